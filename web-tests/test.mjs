// Drives sparsewave's page in headless Chromium (Debian's /usr/bin/chromium) against a running
// `sparsewave serve`, and checks what a user sees against the command line's `--json` for the
// same input and parameters.
//
// Environment: SPARSEWAVE_URL (the server's URL), SPARSEWAVE_BIN (the sparsewave binary, for the
// reference runs), CHROMIUM (default /usr/bin/chromium), SCREENSHOT (default out/page.png).
import { chromium } from "playwright-core";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";

const here = dirname(fileURLToPath(import.meta.url));
const URL = process.env.SPARSEWAVE_URL;
const BIN = process.env.SPARSEWAVE_BIN;
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const SCREENSHOT = resolve(process.env.SCREENSHOT || join(here, "out", "page.png"));
const FOLK = resolve(here, "../crates/sparsewave/tests/data/folk_4s.wav");
assert.ok(URL && BIN, "set SPARSEWAVE_URL and SPARSEWAVE_BIN (web-tests/ci.sh does)");

const work = mkdtempSync(join(tmpdir(), "sparsewave-web-"));
const profile = join(work, "profile");

/** The command line's --json report for `args` (an output file in the work folder is added). */
function cli(args, output) {
  const out = join(work, output);
  const text = execFileSync(BIN, [...args, "-o", out, "--json"], { encoding: "utf8" });
  return { report: JSON.parse(text), path: out };
}

const step = (what) => console.log(`· ${what}`);

const context = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM,
  headless: true,
  acceptDownloads: true,
  viewport: { width: 1500, height: 1000 },
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
  ],
});
let failed = false;
try {
  const page = context.pages()[0] ?? (await context.newPage());
  const consoleErrors = [];
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  page.setDefaultTimeout(120_000);

  step("open the page");
  await page.goto(URL);
  await page.waitForSelector("body[data-ready='1']");
  const commands = await page.$$eval("#command option", (os) => os.map((o) => o.value));
  for (const c of ["approx", "interp", "compress", "encode", "rd", "denoise", "addnoise"]) {
    assert.ok(commands.includes(c), `command ${c} offered (${commands})`);
  }

  step("a bad file shows the library's error");
  await page.setInputFiles("#file", {
    name: "garbage.wav",
    mimeType: "audio/wav",
    buffer: Buffer.from("this is not audio at all, just text pretending to be a wav file ".repeat(40)),
  });
  await page.waitForSelector("#error:not([hidden])");
  assert.equal(
    (await page.textContent("#error")).trim(),
    "garbage.wav: not a recognised audio file (expected WAV, FLAC, MP3 or Ogg Vorbis)"
  );
  assert.ok(await page.isDisabled("#run"), "no run without a recording");

  step("upload the recording: the info panel");
  await page.setInputFiles("#file", FOLK);
  await page.waitForSelector("#info:not([hidden])");
  assert.ok(await page.isHidden("#error"));
  const info = JSON.parse(execFileSync(BIN, ["info", FOLK, "--json"], { encoding: "utf8" }));
  const value = async (sel) => Number(await page.getAttribute(sel, "data-value"));
  assert.equal(await value("#info-rate"), info.sample_rate);
  assert.equal(await value("#info-channels"), info.channels);
  assert.equal(await value("#info-duration"), info.duration_seconds);
  assert.match(await page.textContent("#info-rate"), /^44100 Hz$/);
  await page.waitForFunction(() => document.querySelector("#input-spectrogram").naturalWidth > 0);

  /** Choose `command`, set the form's fields, run, and return the new result card's id. */
  async function run(command, fields) {
    const before = await page.$$eval(".result", (cs) => cs.length);
    if (command) await page.selectOption("#command", command);
    for (const [name, v] of Object.entries(fields)) {
      const sel = `#params [name="${name}"]`;
      if ((await page.$eval(sel, (e) => e.tagName)) === "SELECT") await page.selectOption(sel, String(v));
      else await page.fill(sel, String(v));
      await page.dispatchEvent(sel, "change");
    }
    await page.click("#run");
    await page.waitForFunction((n) => document.querySelectorAll(".result").length > n, before);
    assert.ok(await page.isHidden("#error"), await page.textContent("#error"));
    const id = await page.$eval(".result:last-child", (c) => c.dataset.id);
    // Its progress bar was shown and completed.
    assert.ok(await page.$eval("#progress", (p) => !p.hidden && p.classList.contains("done")));
    return id;
  }
  const card = (id) => `.result[data-id="${id}"]`;
  const snrOf = async (id) => Number(await page.getAttribute(`${card(id)} td[data-key="snr_db"]`, "data-value"));

  /** The card shows players, its figures, downloads; its SNR equals the command line's. */
  async function checkResult(id, cliReport, label) {
    const snr = await snrOf(id);
    assert.equal(snr, cliReport.metrics.snr_db, `${label}: page SNR ${snr} vs CLI ${cliReport.metrics.snr_db}`);
    await page.waitForSelector(`${card(id)} .player[data-ready="1"]`);
    await page.waitForFunction(
      (sel) => {
        const imgs = [...document.querySelectorAll(`${sel} .figures img`)];
        return imgs.length >= 4 && imgs.every((i) => i.complete && i.naturalWidth > 0);
      },
      card(id)
    );
    const figures = await page.$$eval(`${card(id)} .figures img`, (is) => is.map((i) => i.alt));
    for (const f of ["input spectrogram", "output spectrogram", "error spectrogram", "waveform"]) {
      assert.ok(figures.includes(f), `${label}: figure ${f} in ${figures}`);
    }
    const links = await page.$$eval(`${card(id)} .downloads a`, (as) => as.map((a) => a.textContent));
    for (const f of ["output.wav", "residual.wav", "report.json"]) {
      assert.ok(links.includes(f), `${label}: download ${f} in ${links}`);
    }
    console.log(`  ${label}: SNR ${snr.toFixed(4)} dB = CLI`);
  }

  step("approx, rank 20");
  let id = await run("approx", { rank: 20 });
  await checkResult(id, cli(["approx", FOLK, "--rank", "20", "--plots", join(work, "plots")], "approx.wav").report, "approx");

  step("interp, cubic ×4");
  id = await run("interp", { factor: 4, method: "cubic" });
  await checkResult(id, cli(["interp", FOLK, "--factor", "4", "--method", "cubic"], "interp.wav").report, "interp cubic");

  step("compress, pgbz 4%");
  id = await run("compress", { method: "pgbz", keep: "4%" });
  await checkResult(id, cli(["compress", FOLK, "--method", "pgbz", "--keep", "4%", "--plots", join(work, "plots")], "pgbz.wav").report, "compress pgbz");

  step("encode, dwt at 32 kbit/s");
  id = await run("encode", { method: "dwt", bitrate: 32 });
  const encoded = cli(["encode", FOLK, "--method", "dwt", "--bitrate", "32"], "folk.swz");
  await checkResult(id, encoded.report, "encode dwt");
  assert.equal(Number(await page.getAttribute(`${card(id)} td[data-key="kbps"]`, "data-value")), encoded.report.kbps);
  const swzLink = await page.$(`${card(id)} .downloads a:text-is("output.swz")`);
  assert.ok(swzLink, "a .swz download");

  step("denoise (default method)");
  id = await run("denoise", {});
  const denoiseId = id;
  await checkResult(id, cli(["denoise", FOLK], "denoised.wav").report, "denoise");

  step("the downloaded WAV decodes");
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.click(`${card(denoiseId)} .downloads a:text-is("output.wav")`),
  ]);
  const saved = join(work, "downloaded.wav");
  await download.saveAs(saved);
  const decoded = JSON.parse(execFileSync(BIN, ["info", saved, "--json"], { encoding: "utf8" }));
  assert.equal(decoded.samples, info.samples);
  assert.equal(decoded.sample_rate, info.sample_rate);
  assert.equal(readFileSync(saved).length, readFileSync(join(work, "denoised.wav")).length);

  step("addnoise at 10 dB, then denoise it against the clean original");
  id = await run("addnoise", { snr: 10, seed: 0 });
  const noisy = cli(["addnoise", FOLK, "--snr", "10", "--seed", "0"], "noisy.wav");
  await checkResult(id, noisy.report, "addnoise");
  await page.click(`${card(id)} .denoise-this`);
  await page.waitForSelector("#noisy-note");
  assert.equal(await page.inputValue("#command"), "denoise");
  id = await run(null, { method: "wavelet" });
  const denoised = cli(["denoise", noisy.path, "--clean", FOLK, "--method", "wavelet"], "noisy_denoised.wav");
  await checkResult(id, denoised.report, "addnoise → denoise wavelet");
  assert.equal(
    Number(await page.getAttribute(`${card(id)} td[data-key="input_snr_db"]`, "data-value")),
    denoised.report.input_metrics.snr_db
  );
  assert.ok((await snrOf(id)) > denoised.report.input_metrics.snr_db, "the denoiser improved the SNR");

  step("the results stay listed side by side");
  const boxes = await page.$$eval(".result", (cs) => cs.map((c) => c.getBoundingClientRect().toJSON()));
  assert.equal(boxes.length, 7);
  assert.ok(boxes[1].left > boxes[0].left && Math.abs(boxes[1].top - boxes[0].top) < 1, "side by side");

  step("the summary compares every result");
  const summary = await page.$$eval("#summary tbody tr", (rs) => rs.map((r) => [...r.cells].map((c) => c.textContent)));
  assert.equal(summary.length, 7);
  assert.equal(summary[6][3], denoised.report.metrics.snr_db.toFixed(2));

  step("the A/B switch keeps the playhead");
  const ab = `${card(denoiseId)} .player`;
  await page.click(`${ab} .play`);
  await page.waitForTimeout(400);
  await page.check(`${ab} input[value="original"]`);
  await page.waitForTimeout(200);
  const t = Number((await page.textContent(`${ab} .time`)).replace(" s", ""));
  assert.ok(t > 0.3, `playhead moved on across the switch (${t} s)`);
  await page.click(`${ab} .play`);

  step(`screenshot → ${SCREENSHOT}`);
  // The last three results (denoise; addnoise → denoise) fill the view.
  await page.waitForTimeout(1000); // let the smooth scrolls to new results end
  await page.$eval(".result:nth-child(5)", (c) => c.scrollIntoView({ inline: "start", block: "nearest", behavior: "instant" }));
  await page.evaluate(() => window.scrollTo(0, 0));
  mkdirSync(dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  assert.deepEqual(consoleErrors, [], "no errors in the page");
  console.log("browser test: all checks passed");
} catch (e) {
  failed = true;
  console.error(e);
  try {
    const page = context.pages()[0];
    const failShot = SCREENSHOT.replace(/\.png$/, "-failure.png");
    mkdirSync(dirname(failShot), { recursive: true });
    await page.screenshot({ path: failShot, fullPage: true });
    console.error(`screenshot of the failure: ${failShot}`);
  } catch {}
} finally {
  await context.close();
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
