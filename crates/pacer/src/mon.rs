//! `pacer mon`: a live `pacer status`. Polls the CIB's version every 200 ms
//! (pacerd's Status answer, or the file's modification time) and redraws the
//! whole view when it changed (plain ANSI: home + clear); `q` or Ctrl-C
//! quits. `--once` prints the status once, like `pacer status`.

use std::io::{Read as _, Write as _};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;

use crate::{cib_file, status};

#[derive(clap::Args, Debug)]
pub struct MonArgs {
    #[command(flatten)]
    status: status::Args,
    /// Print the status once and exit (= `pacer status`).
    #[arg(long)]
    once: bool,
}

/// How often the version is polled.
const POLL: Duration = Duration::from_millis(200);

/// What changes when the CIB changes: pacerd's CIB version, or the file's
/// modification time and size.
fn version(args: &status::Args) -> String {
    match cib_file::resolve(args.cib.as_deref()) {
        Some(p) => match std::fs::metadata(&p) {
            Ok(m) => format!("{:?} {}", m.modified().ok(), m.len()),
            Err(e) => format!("{e}"),
        },
        None => match status::fetch(&args.socket) {
            Ok(s) => format!(
                "{} {:?} {:?}",
                s.engine.version, s.engine.dc, s.engine.members
            ),
            Err(e) => format!("{e:#}"),
        },
    }
}

/// The terminal in non-canonical, no-echo, no-signal mode while it lives
/// (so `q` and Ctrl-C arrive as bytes), restored when dropped.
struct Raw(Option<rustix::termios::Termios>);

impl Raw {
    fn new() -> Raw {
        let stdin = rustix::stdio::stdin();
        if !rustix::termios::isatty(stdin) {
            return Raw(None);
        }
        let Ok(saved) = rustix::termios::tcgetattr(stdin) else {
            return Raw(None);
        };
        let mut raw = saved.clone();
        raw.local_modes -= rustix::termios::LocalModes::ICANON
            | rustix::termios::LocalModes::ECHO
            | rustix::termios::LocalModes::ISIG;
        if rustix::termios::tcsetattr(stdin, rustix::termios::OptionalActions::Now, &raw).is_err() {
            return Raw(None);
        }
        Raw(Some(saved))
    }
}

impl Drop for Raw {
    fn drop(&mut self) {
        if let Some(t) = &self.0 {
            let _ = rustix::termios::tcsetattr(
                rustix::stdio::stdin(),
                rustix::termios::OptionalActions::Now,
                t,
            );
        }
    }
}

pub fn run(args: MonArgs) -> anyhow::Result<ExitCode> {
    if args.once {
        return status::run(args.status);
    }
    let _raw = Raw::new();
    let (quit_tx, quit) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        let mut b = [0u8; 1];
        let mut stdin = std::io::stdin();
        // End of input quits too (nothing could ever type `q`).
        while let Ok(1) = stdin.read(&mut b) {
            if matches!(b[0], b'q' | b'Q' | 3) {
                break;
            }
        }
        let _ = quit_tx.send(());
    });
    let mut shown: Option<String> = None;
    loop {
        let v = version(&args.status);
        if shown.as_ref() != Some(&v) {
            let body = match status::text(&args.status) {
                Ok(t) => t,
                Err(e) => format!("pacer: {e:#}\n(retrying; q quits)\n"),
            };
            let mut out = std::io::stdout().lock();
            // Home, clear; the status; raw mode needs \r\n.
            write!(out, "\x1b[H\x1b[2J{}", body.replace('\n', "\r\n"))
                .and_then(|()| out.flush())
                .context("writing to the terminal")?;
            shown = Some(v);
        }
        match quit.recv_timeout(POLL) {
            Ok(()) | Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
        }
    }
    Ok(ExitCode::SUCCESS)
}
