//! crm shell (`crm configure`) syntax for the CIB model.
//!
//! Administrators who know Pacemaker write configurations in crmsh's syntax:
//!
//! ```text
//! primitive web-ip IPaddr2 params ip=192.168.1.10 op monitor interval=10s
//! primitive web systemd:nginx op monitor interval=30s
//! group web-group web-ip web meta target-role=Started
//! location prefer-node1 web-group 100: node1
//! property stonith-enabled=true
//! ```
//!
//! This crate reads that syntax into a [`cib::Cib`] ([`load`]) and prints a
//! configuration back in it ([`show`]). The XML it produces is the XML crmsh
//! 4.4 writes for the same text, ids included (`web-ip-instance_attributes`,
//! `web-ip-monitor-10s` …): the tests compare with outputs recorded from the
//! real crmsh (`tests/crmsh-reference/`).
//!
//! ```
//! let cib = crmsh::load(
//!     &crmsh::empty_cib(),
//!     "primitive ip IPaddr2 params ip=10.0.0.1 op monitor interval=10s\n",
//!     crmsh::Method::Replace,
//! ).unwrap();
//! let ip = cib.find_resource("ip").unwrap();
//! assert!(cib.to_xml().contains(r#"id="ip-monitor-10s""#));
//! assert_eq!(crmsh::show(&cib.configuration),
//!            "primitive ip IPaddr2 \\\n\tparams ip=10.0.0.1 \\\n\top monitor interval=10s\n");
//! # let _ = ip;
//! ```
//!
//! How it works: crmsh defines its syntax as a layer over the XML, so the
//! pipeline follows crmsh's own: [`lex`] splits the text into statements and
//! shell words, [`parse`] turns each statement into the element tree it
//! stands for, [`ids`] fills in the ids crmsh would generate, [`apply`]
//! merges the objects into the configuration (`replace` or `update`) and
//! reads the result strictly into the typed model; [`print`] goes the other
//! way and checks every statement by parsing it back.
//!
//! Covered: `node`, `primitive`, `rsc_template`, `group`, `clone`, `ms`,
//! `location` (score and rule forms, patterns, resource sets), `colocation`,
//! `order`, `rsc_ticket`, `property`, `rsc_defaults`, `op_defaults`, `tag`,
//! `alert`, and `xml <element>` for everything else (bundles, ACLs, fencing
//! topology are printed that way).
//!
//! **Architecture Invariant:** pure text-to-data and data-to-text; no file,
//! process or installed resource agent is consulted (crmsh asks the installed
//! agents which provider a bare type like `Dummy` has; pacer assumes
//! `heartbeat`, as crmsh does when the agent is not installed).

pub mod apply;
pub mod error;
pub mod ids;
pub mod lex;
pub mod parse;
pub mod print;

pub use apply::{load, Method};
pub use error::{Error, Pos};
pub use print::show;

/// A new, empty CIB as `cibadmin --empty` makes it with Pacemaker 2.1.5.
pub fn empty_cib() -> cib::Cib {
    cib::Cib {
        crm_feature_set: Some("3.16.1".into()),
        validate_with: Some("pacemaker-3.9".into()),
        epoch: 1,
        num_updates: 0,
        admin_epoch: 0,
        ..Default::default()
    }
}

/// Parses crm text into a configuration, as `load replace` into an empty CIB.
pub fn parse_configuration(text: &str) -> Result<cib::Configuration, Error> {
    Ok(load(&empty_cib(), text, Method::Replace)?.configuration)
}
