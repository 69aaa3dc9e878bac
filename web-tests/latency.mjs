// How long a user waits: open the page, upload a recording, run a denoise, until its result is
// shown — against the command line's wall time for the same denoise. Medians of N runs each.
//
//   web-tests/ci.sh latency.mjs /work/shared/audio/folk_10s.wav [N]
import { chromium } from "playwright-core";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const [file, runs = "3"] = process.argv.slice(2);
const URL = process.env.SPARSEWAVE_URL;
const BIN = process.env.SPARSEWAVE_BIN;
const input = resolve(file);
const work = mkdtempSync(join(tmpdir(), "sparsewave-latency-"));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const cliTimes = [];
for (let i = 0; i < Number(runs); i++) {
  const t0 = performance.now();
  execFileSync(BIN, ["denoise", input, "-o", join(work, "cli.wav")]);
  cliTimes.push((performance.now() - t0) / 1000);
}

const context = await chromium.launchPersistentContext(join(work, "profile"), {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const webTimes = [];
try {
  for (let i = 0; i < Number(runs); i++) {
    const page = await context.newPage();
    page.setDefaultTimeout(600_000);
    const t0 = performance.now();
    await page.goto(URL);
    await page.waitForSelector("body[data-ready='1']");
    await page.setInputFiles("#file", input);
    await page.waitForSelector("#run:not([disabled])");
    await page.selectOption("#command", "denoise");
    await page.click("#run");
    await page.waitForSelector(".result .metrics td[data-key='snr_db']");
    webTimes.push((performance.now() - t0) / 1000);
    await page.close();
  }
} finally {
  await context.close();
  rmSync(work, { recursive: true, force: true });
}
const [cli, web] = [median(cliTimes), median(webTimes)];
console.log(`denoise ${file}: command line ${cli.toFixed(2)} s, page (open + upload + run + show) ${web.toFixed(2)} s, difference ${(web - cli).toFixed(2)} s (medians of ${runs})`);
