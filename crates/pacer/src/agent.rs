//! `pacer agent`: list agents, show an agent's meta-data, run one action and
//! print its result record. Glue over the executor crate.
//!
//! Exit codes of `agent run`: the operation's OCF result (0 success, 7 not
//! running, 8 promoted, …) when the agent ran to completion; 1 when it could
//! not run or was killed (timeout, signal, not installed: see the output).

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;

use anyhow::{bail, Context};
use executor::{AgentSpec, Class, ExecStatus, Executor, ExecutorConfig, OpRequest, Paths};

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// List agents: all, or of a class (`ocf`, `lsb`, `service`, `stonith`,
    /// `systemd`) or an OCF provider (`ocf:heartbeat`).
    List {
        /// `CLASS` or `ocf:PROVIDER`.
        filter: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Show what an agent says about itself: parameters, actions, timeouts.
    #[command(name = "meta-data")]
    MetaData {
        /// `ocf:heartbeat:IPaddr2`, `lsb:NAME`, `stonith:fence_NAME`, `systemd:UNIT`.
        agent: String,
        #[arg(long, conflicts_with = "xml")]
        json: bool,
        /// Print the XML exactly as the agent printed it.
        #[arg(long)]
        xml: bool,
    },
    /// Run one action of an agent and print the result record.
    Run {
        /// `ocf:heartbeat:Dummy`, `lsb:NAME`, `stonith:fence_NAME`, `systemd:UNIT`.
        agent: String,
        /// start, stop, monitor, promote, demote, notify, reload-agent,
        /// migrate_to, migrate_from, validate-all, meta-data; for fence agents
        /// also off, on, reboot, status, list.
        action: String,
        /// A parameter (instance attribute), `NAME=VALUE`; repeatable.
        #[arg(long = "param", short = 'p', value_name = "NAME=VALUE")]
        params: Vec<String>,
        /// A meta-attribute (passed as `CRM_meta_NAME`), `NAME=VALUE`; repeatable.
        #[arg(long = "meta", value_name = "NAME=VALUE")]
        meta: Vec<String>,
        /// Kill the agent after this long (`20s`, `500ms`, `2min`).
        #[arg(long, default_value = "20s")]
        timeout: String,
        /// The operation's interval, for a monitor run as a recurring one would be.
        #[arg(long, default_value = "0")]
        interval: String,
        /// The resource id the agent sees (`OCF_RESOURCE_INSTANCE`).
        #[arg(long, default_value = "pacer-agent-run")]
        resource: String,
        /// The node a fence action targets.
        #[arg(long)]
        target: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(cmd: Command) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(run_async(cmd))
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
fn emit(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

fn parse_spec(s: &str) -> anyhow::Result<AgentSpec> {
    s.parse::<AgentSpec>().map_err(anyhow::Error::from)
}

fn pairs(list: &[String], what: &str) -> anyhow::Result<Vec<(String, String)>> {
    list.iter()
        .map(|p| match p.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
            _ => bail!("--{what} '{p}': write NAME=VALUE"),
        })
        .collect()
}

fn duration_ms(text: &str, what: &str) -> anyhow::Result<u64> {
    cib::value::parse_duration_ms(text).with_context(|| {
        format!("--{what} '{text}' is not a duration: write e.g. 20s, 500ms, 2min or PT30S")
    })
}

async fn run_async(cmd: Command) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::List { filter, json } => list(filter.as_deref(), json).await,
        Command::MetaData { agent, json, xml } => meta_data(&agent, json, xml).await,
        Command::Run {
            agent,
            action,
            params,
            meta,
            timeout,
            interval,
            resource,
            target,
            json,
        } => {
            let spec = parse_spec(&agent)?;
            let mut req = OpRequest::new(&resource, spec, &action)
                .timeout_ms(duration_ms(&timeout, "timeout")?)
                .interval_ms(duration_ms(&interval, "interval")?);
            for (k, v) in pairs(&params, "param")? {
                req = req.param(&k, &v);
            }
            for (k, v) in pairs(&meta, "meta")? {
                req = req.meta(&k, &v);
            }
            if let Some(t) = target {
                req = req.fence_target(&t);
            }
            let exec = Executor::new(ExecutorConfig::default());
            let r = exec.execute(req).await;
            let node = exec.config().node_name.clone().unwrap_or_default();
            let mut out = String::new();
            if json {
                writeln!(out, "{}", serde_json::to_string_pretty(&r)?)?;
            } else {
                writeln!(
                    out,
                    "{} (call {}): exec {}ms, queued {}ms",
                    r.op_key(),
                    r.call_id,
                    r.exec_time_ms,
                    r.queue_time_ms
                )?;
                writeln!(out, "status: {} ({})", r.status, r.status.code())?;
                writeln!(out, "rc: {} ({})", r.rc, r.rc_text)?;
                if let Some(code) = r.agent_exit.filter(|c| *c != r.rc) {
                    writeln!(out, "agent exit status: {code}")?;
                }
                if let Some(reason) = &r.exit_reason {
                    writeln!(out, "reason: {reason}")?;
                }
                for (name, text) in [("stdout", &r.stdout), ("stderr", &r.stderr)] {
                    if !text.trim().is_empty() {
                        writeln!(out, "{name}:")?;
                        for line in text.lines() {
                            writeln!(out, "  {line}")?;
                        }
                    }
                }
                if r.output_truncated {
                    writeln!(out, "(output truncated)")?;
                }
                writeln!(out, "record:")?;
                let xml = cib::write::lrm_rsc_op(&r.to_lrm_rsc_op(&node, None, 0)).to_xml();
                for line in xml.lines() {
                    writeln!(out, "  {line}")?;
                }
            }
            emit(&out)?;
            Ok(if r.status == ExecStatus::Done {
                ExitCode::from(u8::try_from(r.rc).unwrap_or(1))
            } else {
                ExitCode::from(1)
            })
        }
    }
}

async fn list(filter: Option<&str>, json: bool) -> anyhow::Result<ExitCode> {
    let paths = Paths::from_env();
    let (classes, provider): (Vec<Class>, Option<&str>) = match filter {
        None => (vec![Class::Ocf, Class::Lsb, Class::Stonith], None),
        Some(f) => {
            let (c, p) = match f.split_once(':') {
                Some((c, p)) => (c, Some(p)),
                None => (f, None),
            };
            let class = Class::parse(c).with_context(|| {
                format!("unknown class '{c}': use ocf, lsb, service, systemd or stonith (or ocf:PROVIDER)")
            })?;
            if p.is_some() && !class.has_provider() {
                bail!("'{f}': only ocf agents have providers");
            }
            (vec![class], p)
        }
    };
    let mut agents = Vec::new();
    for c in classes {
        match c {
            // crm_resource --list-agents systemd: the unit files systemd
            // knows, `.service` dropped.
            Class::Systemd => {
                let units = executor::systemd::list_units()
                    .await
                    .context("cannot list systemd units")?;
                agents.extend(units.iter().map(|u| AgentSpec::new(c, None, u)));
            }
            // LSB scripts, then systemd units where systemd runs.
            Class::Service => {
                agents.extend(paths.list(c, provider));
                if executor::systemd::is_booted() {
                    let units = executor::systemd::list_units()
                        .await
                        .context("cannot list systemd units")?;
                    agents.extend(units.iter().map(|u| AgentSpec::new(c, None, u)));
                } else {
                    eprintln!(
                        "pacer: systemd is not running on this host (no {}): listing LSB scripts only",
                        executor::systemd::BOOTED_MARKER
                    );
                }
            }
            _ => agents.extend(paths.list(c, provider)),
        }
    }
    let mut out = String::new();
    if json {
        let names: Vec<String> = agents.iter().map(ToString::to_string).collect();
        writeln!(out, "{}", serde_json::to_string_pretty(&names)?)?;
    } else {
        for a in &agents {
            writeln!(out, "{a}")?;
        }
    }
    emit(&out)?;
    Ok(ExitCode::SUCCESS)
}

async fn meta_data(agent: &str, json: bool, xml: bool) -> anyhow::Result<ExitCode> {
    let spec = parse_spec(agent)?;
    let exec = Executor::new(ExecutorConfig::default());
    let text = exec.metadata_xml(&spec).await?;
    if xml {
        emit(&text)?;
        return Ok(ExitCode::SUCCESS);
    }
    let md = executor::AgentMetadata::parse(&spec.to_string(), &text)?;
    let mut out = String::new();
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&md)?)?;
        emit(&out)?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(
        out,
        "{spec} ({}{})",
        md.shortdesc.as_deref().unwrap_or("no description"),
        md.agent_version
            .as_deref()
            .map(|v| format!(", version {v}"))
            .unwrap_or_default()
    )?;
    if let Some(v) = &md.ocf_version {
        writeln!(out, "OCF version: {v}")?;
    }
    writeln!(out)?;
    writeln!(out, "Parameters:")?;
    if md.parameters.is_empty() {
        writeln!(out, "  (none)")?;
    }
    for p in &md.parameters {
        let mut flags = Vec::new();
        if p.required {
            flags.push("required".to_string());
        }
        if p.unique {
            flags.push("unique".to_string());
        }
        if let Some(g) = &p.unique_group {
            flags.push(format!("unique-group={g}"));
        }
        if p.reloadable {
            flags.push("reloadable".to_string());
        }
        if p.private {
            flags.push("private".to_string());
        }
        if p.deprecated {
            flags.push("deprecated".to_string());
        }
        let ty = p.content_type.as_deref().unwrap_or("string");
        let default = match p.default.as_deref() {
            Some(d) if !d.is_empty() => format!(" = {d}"),
            _ => String::new(),
        };
        let flags = if flags.is_empty() {
            String::new()
        } else {
            format!(" [{}]", flags.join(", "))
        };
        writeln!(out, "  {} ({ty}{default}){flags}", p.name)?;
        if let Some(d) = &p.shortdesc {
            writeln!(out, "      {d}")?;
        }
        if !p.options.is_empty() {
            writeln!(out, "      one of: {}", p.options.join(", "))?;
        }
    }
    writeln!(out)?;
    writeln!(out, "Actions:")?;
    for a in &md.actions {
        let mut extra = Vec::new();
        if let Some(t) = &a.timeout {
            extra.push(format!("timeout={t}"));
        }
        if let Some(i) = &a.interval {
            extra.push(format!("interval={i}"));
        }
        if let Some(d) = &a.depth {
            extra.push(format!("depth={d}"));
        }
        if let Some(r) = &a.role {
            extra.push(format!("role={r}"));
        }
        writeln!(out, "  {} {}", a.name, extra.join(" "))?;
    }
    emit(&out)?;
    Ok(ExitCode::SUCCESS)
}
