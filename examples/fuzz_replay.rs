//! Times fuzz inputs through their target bodies (and through the plain
//! session, without the checks), to find what makes an input slow.
//!
//! `cargo run --release --example fuzz_replay -- TARGET FILE...`
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let target = args.next().expect("usage: fuzz_replay TARGET FILE...");
    let body = safecalc::fuzzing::target(&target).expect("a known target");
    let mut slowest = (0.0f64, String::new());
    for file in args {
        let data = std::fs::read(&file).expect("readable file");
        let start = Instant::now();
        body(&data);
        let ms = start.elapsed().as_secs_f64() * 1e3;
        if target == "eval" {
            let text = String::from_utf8_lossy(&data);
            let mut session = safecalc::calc::Session::new();
            let start = Instant::now();
            let mut chars = 0;
            for line in text.split('\n') {
                if let Ok(v) = session.eval(line) {
                    chars += v.to_string().len();
                }
            }
            let plain = start.elapsed().as_secs_f64() * 1e3;
            println!(
                "{file}: {ms:.3} ms with checks, {plain:.3} ms plain eval+repr ({chars} result chars)"
            );
        } else {
            let text = match target.as_str() {
                "roundtrip" => safecalc::fuzzing::roundtrip_text(&data),
                "differential" => safecalc::fuzzing::differential_text(&data),
                _ => None,
            };
            println!("{file}: {ms:.3} ms {}", text.unwrap_or_default());
        }
        if ms > slowest.0 {
            slowest = (ms, file);
        }
    }
    println!("slowest: {:.3} ms {}", slowest.0, slowest.1);
}
