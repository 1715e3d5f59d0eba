//! `pacer configure`: crm shell syntax in and out of a CIB file.
//!
//! `load replace|update FILE` reads crm text (like `crm configure load`) and
//! writes the CIB file atomically after the whole result passed the CIB's
//! strict checks; `show [xml]` prints the configuration (like `crm configure
//! show`). The CIB is a file (`--cib FILE` or `$CIB_file`) or, without one,
//! the running cluster (pacerd's control socket; the new configuration is sent
//! against the version it was made from, so a concurrent change is refused,
//! not overwritten). `--dry-run` prints the actions the change would cause
//! (the scheduler run on the current status with the new configuration, as
//! `crm_simulate` prints them) and changes nothing.

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
        /// Print the actions the change would cause; change nothing.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        target: Target,
    },
    /// Edit the configuration in crm syntax with $EDITOR: the edited text is
    /// checked, the actions it would cause are shown, and it is committed
    /// (after y, or with --yes) against the version that was read.
    Edit {
        /// Commit without asking.
        #[arg(long)]
        yes: bool,
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
    /// CIB file to read and write (default: $CIB_file; else the running cluster).
    #[arg(long, value_name = "FILE")]
    cib: Option<PathBuf>,
    /// pacerd's control socket, when no file is named.
    #[arg(long, default_value = control::DEFAULT_SOCKET)]
    socket: PathBuf,
}

impl Target {
    /// The running cluster behind this control socket.
    pub fn socket(socket: &Path) -> Target {
        Target {
            cib: None,
            socket: socket.to_path_buf(),
        }
    }
}

/// Where the CIB is.
enum Source {
    File(PathBuf),
    Cluster(PathBuf),
}

impl Source {
    fn of(t: &Target) -> Source {
        match cib_file::resolve(t.cib.as_deref()) {
            Some(p) => Source::File(p),
            None => Source::Cluster(t.socket.clone()),
        }
    }

    fn name(&self) -> String {
        match self {
            Source::File(p) => p.display().to_string(),
            Source::Cluster(_) => "the cluster's CIB".into(),
        }
    }

    /// The current CIB, `None` for a file that does not exist yet.
    fn read(&self) -> anyhow::Result<Option<cib::Cib>> {
        let text = match self {
            Source::File(p) => {
                match cib_file::read(p).with_context(|| format!("reading {}", p.display()))? {
                    Some(t) => t,
                    None => return Ok(None),
                }
            }
            Source::Cluster(sock) => crate::status::fetch_cib(sock).context(
                "no CIB file given (--cib FILE or CIB_file=FILE), so the running cluster's was asked for",
            )?,
        };
        let (cib, warnings) = cib::Cib::from_xml_lenient(&text)
            .with_context(|| format!("{} is not a readable CIB", self.name()))?;
        for w in warnings {
            eprintln!("pacer: warning: {}: {w}", self.name());
        }
        Ok(Some(cib))
    }

    /// Stores `new`, made from `old`; refused if the CIB is no longer at
    /// `old`'s version (someone changed it meanwhile).
    fn write(&self, old: &cib::Cib, new: &cib::Cib) -> anyhow::Result<()> {
        match self {
            Source::File(p) => {
                if let Some(now) = self.read()? {
                    let (was, is) = (
                        replica::ops::Version::of(old),
                        replica::ops::Version::of(&now),
                    );
                    if was != is {
                        bail!(
                            "{} changed from version {was} to {is} since it was read; \
                             nothing was written (run the command again on the new version)",
                            p.display()
                        );
                    }
                }
                cib_file::write_atomic(p, new.to_xml().as_bytes())
                    .with_context(|| format!("writing {}", p.display()))
            }
            Source::Cluster(sock) => {
                // Status updates move the version too: when only they did
                // (same admin_epoch and epoch), send again against the new
                // version; a configuration changed meanwhile is refused.
                let mut base = replica::ops::Version::of(old);
                let mut tries = 0;
                loop {
                    tries += 1;
                    let op = replica::ops::CibOp::ReplaceConfiguration {
                        cib_xml: new.to_xml(),
                        base: Some(base),
                    };
                    let mut c = control::Client::connect(sock)?;
                    let reason = match c.call(&control::Request::Change { op })? {
                        control::Response::Done { .. } => return Ok(()),
                        control::Response::Refused { reason } => reason,
                        control::Response::Error { message } => bail!("pacerd: {message}"),
                        other => bail!("pacerd answered {other:?} to a change"),
                    };
                    if tries < 5 {
                        if let Ok(Some(now)) = self.read() {
                            if (now.admin_epoch, now.epoch) == (old.admin_epoch, old.epoch) {
                                base = replica::ops::Version::of(&now);
                                continue;
                            }
                        }
                    }
                    bail!(
                        "the cluster refused the new configuration: {reason}; \
                         nothing was changed (read the configuration again and retry)"
                    );
                }
            }
        }
    }
}

/// The actions `new` would cause on the current status, in crm_simulate's
/// "Transition Summary" layout.
pub fn preview(new: &cib::Cib) -> String {
    scheduler::simulation::run(new, now_s()).transition_text()
}

pub fn now_s() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

pub fn run(cmd: Command) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Load {
            method,
            file,
            dry_run,
            target,
        } => load(method, &file, dry_run, &target),
        Command::Show { format, target } => show(format, &target),
        Command::Edit { yes, target } => edit(yes, &target),
    }
}

pub fn load(
    method: Method,
    file: &Path,
    dry_run: bool,
    target: &Target,
) -> anyhow::Result<ExitCode> {
    let (text, name) = if file == Path::new("-") {
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
    load_text(method, &text, &name, dry_run, target)
}

/// Loads crm text (`name` says where it came from) into the target.
pub fn load_text(
    method: Method,
    text: &str,
    name: &str,
    dry_run: bool,
    target: &Target,
) -> anyhow::Result<ExitCode> {
    let src = Source::of(target);
    let existing = src.read()?;
    let created = existing.is_none();
    let old = existing.unwrap_or_else(crmsh::empty_cib);
    let method = match method {
        Method::Replace => crmsh::Method::Replace,
        Method::Update => crmsh::Method::Update,
    };
    let mut new = match crmsh::load(&old, text, method) {
        Ok(c) => c,
        Err(e) => bail!("{name}: {e}; {} was not changed", src.name()),
    };
    let changed = new.configuration != old.configuration;
    if dry_run {
        print!("{}", preview(&new));
        return Ok(ExitCode::SUCCESS);
    }
    if !changed && !created {
        eprintln!("pacer: nothing to change in {}", src.name());
        return Ok(ExitCode::SUCCESS);
    }
    if changed {
        new.epoch = old.epoch.saturating_add(1);
        new.num_updates = 0;
    }
    src.write(&old, &new)?;
    Ok(ExitCode::SUCCESS)
}

/// `configure edit`: $EDITOR (else $VISUAL, else vi) on the crm text; the
/// result is loaded as `load replace` would, previewed and committed against
/// the version read.
fn edit(yes: bool, target: &Target) -> anyhow::Result<ExitCode> {
    let src = Source::of(target);
    let Some(old) = src.read()? else {
        bail!(
            "{} does not exist; `pacer configure load replace FILE` creates it",
            src.name()
        );
    };
    let text = crmsh::show(&old.configuration);
    let dir = std::env::temp_dir().join(format!("pacer-edit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let file = dir.join("configuration.crm");
    std::fs::write(&file, &text).with_context(|| format!("writing {}", file.display()))?;
    let editor = std::env::var("EDITOR")
        .or_else(|_| std::env::var("VISUAL"))
        .unwrap_or_else(|_| "vi".into());
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sh")
        .arg(&file)
        .status()
        .with_context(|| format!("running the editor {editor:?}"))?;
    if !status.success() {
        bail!(
            "the editor {editor:?} failed ({status}); nothing was changed (the text is in {})",
            file.display()
        );
    }
    let edited =
        std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
    let keep = format!("your text is kept in {}", file.display());
    if edited == text {
        let _ = std::fs::remove_dir_all(&dir);
        eprintln!("pacer: no changes");
        return Ok(ExitCode::SUCCESS);
    }
    let mut new = match crmsh::load(&old, &edited, crmsh::Method::Replace) {
        Ok(c) => c,
        Err(e) => {
            bail!("{e}; nothing was changed ({keep}; `pacer configure load replace` it once fixed)")
        }
    };
    if new.configuration == old.configuration {
        let _ = std::fs::remove_dir_all(&dir);
        eprintln!("pacer: no changes");
        return Ok(ExitCode::SUCCESS);
    }
    print!("{}", preview(&new));
    if !yes {
        use std::io::Write as _;
        print!("Commit? [y/N] ");
        std::io::stdout()
            .flush()
            .context("writing to standard output")?;
        let mut answer = String::new();
        std::io::stdin()
            .read_line(&mut answer)
            .context("reading the answer")?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            eprintln!("pacer: not committed; {keep}");
            return Ok(ExitCode::FAILURE);
        }
    }
    new.epoch = old.epoch.saturating_add(1);
    new.num_updates = 0;
    src.write(&old, &new)
        .with_context(|| format!("not committed; {keep}"))?;
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!("pacer: committed");
    Ok(ExitCode::SUCCESS)
}

fn show(format: Option<Format>, target: &Target) -> anyhow::Result<ExitCode> {
    let src = Source::of(target);
    let Some(cib) = src.read()? else {
        bail!("{} does not exist", src.name());
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
