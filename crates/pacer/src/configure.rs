//! `pacer configure`: crm shell syntax in and out of a CIB file.
//!
//! `load replace|update FILE` reads crm text (like `crm configure load`) and
//! writes the CIB file atomically after the whole result passed the CIB's
//! strict checks; `show [xml]` prints the configuration (like `crm configure
//! show`). The CIB file is `--cib FILE` or `$CIB_file`; a running cluster is
//! not supported yet.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};

use crate::cib_file;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Load a configuration written in crm shell syntax (like `crm configure load`).
    Load {
        /// `replace`: the file becomes the configuration (nodes are kept);
        /// `update`: objects are added or replace those with the same id.
        method: Method,
        /// File in crm syntax (`-` for standard input).
        file: PathBuf,
        #[command(flatten)]
        target: Target,
    },
    /// Print the configuration in crm shell syntax, or as XML with `xml`.
    Show {
        /// `xml` prints the CIB's configuration as XML.
        format: Option<Format>,
        #[command(flatten)]
        target: Target,
    },
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Replace,
    Update,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Xml,
}

/// Which CIB to work on.
#[derive(clap::Args, Debug)]
pub struct Target {
    /// CIB file to read and write (default: $CIB_file).
    #[arg(long, value_name = "FILE")]
    cib: Option<PathBuf>,
}

pub fn run(cmd: Command) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Load {
            method,
            file,
            target,
        } => load(method, &file, &target),
        Command::Show { format, target } => show(format, &target),
    }
}

fn cib_path(target: &Target) -> anyhow::Result<PathBuf> {
    match cib_file::resolve(target.cib.as_deref()) {
        Some(p) => Ok(p),
        None => bail!(
            "no CIB to work on: pass --cib FILE or set CIB_file=FILE \
             (working on a running cluster's CIB is not supported yet)"
        ),
    }
}

fn read_cib(path: &Path) -> anyhow::Result<Option<cib::Cib>> {
    let Some(text) = cib_file::read(path).with_context(|| format!("reading {}", path.display()))?
    else {
        return Ok(None);
    };
    let (cib, warnings) = cib::Cib::from_xml_lenient(&text)
        .with_context(|| format!("{} is not a readable CIB", path.display()))?;
    for w in warnings {
        eprintln!("pacer: warning: {}: {w}", path.display());
    }
    Ok(Some(cib))
}

fn load(method: Method, file: &Path, target: &Target) -> anyhow::Result<ExitCode> {
    let path = cib_path(target)?;
    let (text, source) = if file == Path::new("-") {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("reading standard input")?;
        (s, "<stdin>".to_string())
    } else {
        let s =
            std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        (s, file.display().to_string())
    };
    let existing = read_cib(&path)?;
    let created = existing.is_none();
    let old = existing.unwrap_or_else(crmsh::empty_cib);
    let method = match method {
        Method::Replace => crmsh::Method::Replace,
        Method::Update => crmsh::Method::Update,
    };
    let mut new = match crmsh::load(&old, &text, method) {
        Ok(c) => c,
        Err(e) => bail!("{source}: {e}; {} was not changed", path.display()),
    };
    let changed = new.configuration != old.configuration;
    if !changed && !created {
        eprintln!("pacer: nothing to change in {}", path.display());
        return Ok(ExitCode::SUCCESS);
    }
    if changed {
        new.epoch = old.epoch.saturating_add(1);
        new.num_updates = 0;
    }
    cib_file::write_atomic(&path, new.to_xml().as_bytes())
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(ExitCode::SUCCESS)
}

fn show(format: Option<Format>, target: &Target) -> anyhow::Result<ExitCode> {
    let path = cib_path(target)?;
    let Some(cib) = read_cib(&path)? else {
        bail!("{} does not exist", path.display());
    };
    match format {
        None => print!("{}", crmsh::show(&cib.configuration)),
        Some(Format::Xml) => {
            // Like `crm configure show xml`: the document without its status.
            let mut el = cib.to_element();
            el.children.retain(|c| c.name != "status");
            print!("{}", el.to_xml());
        }
    }
    Ok(ExitCode::SUCCESS)
}
