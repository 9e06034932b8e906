//! Measures how much stack parsing + evaluating + dropping a deeply nested
//! expression needs, per nesting level (run in debug and release).
use safecalc::calc::{self, Limits};

fn expression(kind: &str, depth: usize) -> String {
    match kind {
        "paren" => format!("{}1{}", "(".repeat(depth), ")".repeat(depth)),
        "unary" => format!("{}1", "-".repeat(depth)),
        "pow" => format!("{}1", "1**".repeat(depth)),
        _ => format!("{}1{}", "abs(".repeat(depth), ")".repeat(depth)),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() == 4 {
        let depth: usize = args[2].parse().unwrap();
        let stack: usize = args[3].parse().unwrap();
        let s = expression(&args[1], depth);
        std::thread::Builder::new()
            .stack_size(stack)
            .spawn(move || {
                let l = Limits {
                    max_depth: 1_000_000,
                    ..Limits::DEFAULT
                };
                let st = calc::parse_with_limits(&s, &l).unwrap();
                let _ = calc::Session::with_limits(l).execute(&st);
            })
            .unwrap()
            .join()
            .unwrap();
        return;
    }
    let me = std::env::current_exe().unwrap();
    let depth = 200;
    for kind in ["paren", "unary", "pow", "call"] {
        let (mut lo, mut hi) = (8 * 1024usize, 256 * 1024 * 1024usize);
        while hi - lo > 2048 {
            let mid = (lo + hi) / 2;
            let ok = std::process::Command::new(&me)
                .args([kind, &depth.to_string(), &mid.to_string()])
                .stderr(std::process::Stdio::null())
                .status()
                .unwrap()
                .success();
            if ok { hi = mid } else { lo = mid }
        }
        println!(
            "{kind:6} depth {depth}: ~{} KiB, {} B/level",
            hi / 1024,
            hi / depth
        );
    }
}
