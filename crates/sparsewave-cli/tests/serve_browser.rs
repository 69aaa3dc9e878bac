//! The web page in a real browser: runs `web-tests/test.mjs` (headless Chromium through
//! playwright-core) against a `sparsewave serve` child. Skipped, with a message, when Chromium,
//! Node or the installed test packages (`npm ci` in `web-tests/`) are missing; `web-tests/ci.sh`
//! installs them and always runs it.

use assert_cmd::cargo::cargo_bin;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

#[test]
fn the_page_works_in_headless_chromium() {
    let web_tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web-tests");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let missing = if !Path::new(&chromium).exists() {
        Some(format!("{chromium} not found (apt-get install chromium)"))
    } else if Command::new("node").arg("--version").output().is_err() {
        Some("node not found".into())
    } else if !web_tests.join("node_modules/playwright-core").is_dir() {
        Some("playwright-core not installed (npm ci in web-tests/)".into())
    } else {
        None
    };
    if let Some(why) = missing {
        eprintln!("skipped: the browser test needs {why}; web-tests/ci.sh installs everything");
        return;
    }
    let mut server = Command::new(cargo_bin("sparsewave"))
        .args(["serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_string();
    let screenshot = tempfile::tempdir().unwrap();
    let status = Command::new("node")
        .arg(web_tests.join("test.mjs"))
        .env("SPARSEWAVE_URL", &url)
        .env("SPARSEWAVE_BIN", cargo_bin("sparsewave"))
        .env("CHROMIUM", &chromium)
        .env("SCREENSHOT", screenshot.path().join("page.png"))
        .status()
        .unwrap();
    let _ = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status();
    let _ = server.wait();
    assert!(
        status.success(),
        "the browser test failed (see its output above)"
    );
}
