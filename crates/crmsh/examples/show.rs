//! Prints what pacer makes of a crm file: `cargo run -p crmsh --example show FILE [xml]`.
fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: show FILE.crm [xml]");
        std::process::exit(2);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    };
    match crmsh::parse_configuration(&text) {
        Ok(conf) if args.next().as_deref() == Some("xml") => {
            print!("{}", cib::write::configuration(&conf).to_xml())
        }
        Ok(conf) => print!("{}", crmsh::show(&conf)),
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    }
}
