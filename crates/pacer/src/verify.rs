//! `pacer verify`: check a CIB file the way it will be checked before it is
//! stored (like crm_verify -x): strictly, naming every problem's element, id
//! and line.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The CIB file to check (`-` for standard input).
    #[arg(short = 'x', long = "xml-file", value_name = "FILE")]
    pub xml_file: PathBuf,
    /// List every problem, not just the first.
    #[arg(short = 'a', long = "all")]
    pub all: bool,
}

/// Exit status 0: valid. 1: the file cannot be stored as it is.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let text = if args.xml_file.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin()).context("cannot read standard input")?
    } else {
        std::fs::read_to_string(&args.xml_file)
            .with_context(|| format!("cannot read {}", args.xml_file.display()))?
    };
    let name = args.xml_file.display();
    match cib::Cib::from_xml(&text) {
        Ok(_) => Ok(ExitCode::SUCCESS),
        Err(first) => {
            eprintln!("pacer: {name}: {first}");
            if args.all {
                // The lenient reader collects every tolerable problem; list the rest.
                if let Ok((_, warnings)) = cib::Cib::from_xml_lenient(&text) {
                    for w in warnings.iter().filter(|w| **w != first) {
                        eprintln!("pacer: {name}: {w}");
                    }
                }
            }
            Ok(ExitCode::from(1))
        }
    }
}
