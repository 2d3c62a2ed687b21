//! The process of `cargo xtask bench`'s `analyze --pid` comparison: reads FILE into a
//! page-aligned buffer of anonymous memory, prints `HOLDER <start>-<end>` (hex, the buffer's
//! address range, for `zswapctl analyze --pid PID --address`) and waits for stdin to close.
//!
//! Usage: `hold_pages FILE`
#![allow(clippy::print_stdout, clippy::print_stderr, clippy::disallowed_methods)] // a bench tool

use std::io::{Read, Write};
use std::process::ExitCode;

use zswap_core::page::PAGE_SIZE;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let [_, file] = &args[..] else {
        eprintln!("usage: hold_pages FILE");
        return ExitCode::from(2);
    };
    let data = match std::fs::read(file) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("hold_pages: cannot read '{file}': {e}");
            return ExitCode::from(2);
        }
    };
    let len = data.len() / PAGE_SIZE * PAGE_SIZE;
    let mut buf = vec![0u8; len + PAGE_SIZE];
    let start = buf.as_ptr().align_offset(PAGE_SIZE);
    buf[start..start + len].copy_from_slice(&data[..len]);
    drop(data);
    let addr = buf.as_ptr() as usize + start;
    println!("HOLDER {:x}-{:x}", addr, addr + len);
    if std::io::stdout().flush().is_err() {
        return ExitCode::from(1);
    }
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    std::hint::black_box(&buf);
    ExitCode::SUCCESS
}
