//! Prints `show` for a CIB XML file, then `show` again after loading that
//! output: `cargo run -p crmsh --example cibshow FILE.xml`.
fn main() {
    let p = std::env::args().nth(1).unwrap_or_default();
    let text = std::fs::read_to_string(&p).unwrap_or_default();
    match cib::Cib::from_xml(&text) {
        Ok(c) => {
            let s = crmsh::show(&c.configuration);
            print!("{s}");
            if let Ok(r) = crmsh::load(&c, &s, crmsh::Method::Replace) {
                println!("=====");
                print!("{}", crmsh::show(&r.configuration));
            }
        }
        Err(e) => eprintln!("{e}"),
    }
}
