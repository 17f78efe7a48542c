// The browser test: serves target/web (written by `cargo web`) on loopback, drives Debian's
// headless Chromium (WebGL2 through SwiftShader) with playwright-core, and reads the page's status
// element (#optiviz_status: data-lesson, data-step, data-status, data-error) to check that lessons
// open from links and step with no error, that a malformed link opens the default lesson and says
// what was wrong, and prints the `#bench` figure. Exit code 1 on the first failed check.
//
//   cd tests/web && npm install && node browser.test.mjs [SITE_DIR]

import { createServer } from "node:http";
import { readFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, extname, resolve, normalize } from "node:path";
import { chromium } from "playwright-core";

const site = resolve(process.argv[2] ?? join(import.meta.dirname, "../../target/web"));
const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const types = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".wasm": "application/wasm",
  ".ttf": "font/ttf",
};

function serve() {
  const server = createServer(async (request, response) => {
    const path = new URL(request.url, "http://localhost").pathname;
    const file = normalize(join(site, path === "/" ? "index.html" : path));
    if (!file.startsWith(site)) {
      response.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      response.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  return new Promise((done) => server.listen(0, "127.0.0.1", () => done(server)));
}

const server = await serve();
const base = `http://127.0.0.1:${server.address().port}/`;
const profile = await mkdtemp(join(tmpdir(), "optiviz-chromium-"));
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: chromiumPath,
  headless: true,
  viewport: { width: 1600, height: 1000 },
  args: [
    "--headless=new",
    "--no-sandbox",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});

let failures = 0;
function check(ok, what) {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures += 1;
}

async function status(page) {
  return page.evaluate(() => {
    const element = document.getElementById("optiviz_status");
    return {
      title: document.title,
      lesson: element.dataset.lesson,
      step: Number(element.dataset.step),
      status: element.dataset.status,
      error: element.dataset.error,
      fatal: document.getElementById("optiviz_fatal").textContent,
    };
  });
}

/** Opens `fragment`, waits until the app shows a lesson, and returns the page and its status. */
async function open(fragment) {
  const page = await browser.newPage();
  const logs = [];
  page.on("console", (message) => {
    if (message.type() === "error") logs.push(message.text());
  });
  page.on("pageerror", (error) => logs.push(String(error)));
  const started = Date.now();
  await page.goto(base + fragment);
  await page.waitForFunction(
    () => document.getElementById("optiviz_status").dataset.lesson !== "" ||
      document.getElementById("optiviz_fatal").textContent !== "",
    null,
    { timeout: 60_000 },
  );
  const firstPaint = (Date.now() - started) / 1000;
  return { page, logs, firstPaint, shown: await status(page) };
}

/** Waits until the first run's step passes `step` (or the timeout), and returns the status. */
async function stepsPast(page, step, timeout = 30_000) {
  try {
    await page.waitForFunction(
      (after) => Number(document.getElementById("optiviz_status").dataset.step) > after,
      step,
      { timeout },
    );
  } catch {
    // Reported by the caller's check.
  }
  return status(page);
}

async function lessonPlays(name) {
  const { page, logs, firstPaint, shown } = await open(`#lesson=${name}&play`);
  check(shown.lesson === name, `#lesson=${name}&play opens ${name} (page shows "${shown.lesson}", first paint ${firstPaint.toFixed(1)} s)`);
  const first = await stepsPast(page, 0);
  const later = await stepsPast(page, first.step);
  check(later.step > first.step && first.step > 0, `${name} steps advance (${first.step} then ${later.step}; "${later.title}")`);
  check(later.error === "" && later.fatal === "", `${name} shows no error ("${later.error}${later.fatal}")`);
  check(logs.length === 0, `${name} logs no error to the console${logs.length ? ": " + logs.join(" | ") : ""}`);
  await page.close();
}

try {
  await lessonPlays("zigzag");

  {
    const { page, logs, shown } = await open("#lesson=newton_basins");
    check(shown.lesson === "newton_basins", `#lesson=newton_basins opens it ("${shown.lesson}")`);
    await page.waitForTimeout(3000);
    const later = await status(page);
    check(later.step === 0, `newton_basins waits for Play without &play (step ${later.step})`);
    check(later.error === "" && later.fatal === "" && logs.length === 0, `newton_basins shows no error ("${later.error}${later.fatal}${logs.join(" | ")}")`);
    await page.close();
  }

  await lessonPlays("eos_mlp");

  {
    const { page, shown } = await open("#s=1.this-is-not-a-scenario");
    check(shown.lesson === "zigzag", `a malformed link opens the default lesson ("${shown.lesson}")`);
    check(shown.error !== "", `a malformed link says what was wrong: "${shown.error}"`);
    await page.close();
  }

  {
    // The autosave in the browser's storage: a stored scenario is restored when the page opens
    // with no link; an unreadable one is kept under a new key and the default lesson opens.
    const rosenbrock = await readFile(join(import.meta.dirname, "../../presets/rosenbrock.ron"), "utf8");
    const setter = await browser.newPage();
    await setter.goto(base + "#lesson=zigzag");
    await setter.evaluate((text) => localStorage.setItem("optiviz-autosave", text), rosenbrock);
    await setter.close();
    {
      const { page, shown } = await open("");
      check(shown.lesson === "rosenbrock" && shown.error === "", `the autosaved scenario is restored ("${shown.lesson}", "${shown.error}")`);
      await page.close();
    }
    const breaker = await browser.newPage();
    await breaker.goto(base + "#lesson=zigzag");
    await breaker.evaluate(() => localStorage.setItem("optiviz-autosave", "(name: \"half a scen"));
    await breaker.close();
    {
      const { page, shown } = await open("");
      check(shown.lesson === "zigzag" && /could not restore/.test(shown.error), `an unreadable autosave opens the default lesson and says so ("${shown.error}")`);
      await page.waitForTimeout(2500);
      const keys = await page.evaluate(() => Object.keys(localStorage));
      const kept = keys.find((key) => key.startsWith("optiviz-autosave.unreadable-"));
      const value = kept && (await page.evaluate((key) => localStorage.getItem(key), kept));
      check(value === "(name: \"half a scen" && !keys.includes("optiviz-autosave"), `it is kept under ${kept} and the autosave key is cleared`);
      await page.close();
    }
  }

  {
    const page = await browser.newPage();
    await page.goto(base + "#bench");
    await page.waitForFunction(
      () => /steps\/s|failed/.test(document.getElementById("optiviz_bench").textContent) ||
        document.getElementById("optiviz_fatal").textContent !== "",
      null,
      { timeout: 180_000 },
    );
    const figure = await page.evaluate(() =>
      document.getElementById("optiviz_bench").textContent + document.getElementById("optiviz_fatal").textContent);
    console.log("browser bench (#bench):\n" + figure.trim());
    check(/steps\/s/.test(figure) && !/failed|stopped/.test(figure), "#bench prints its figure");
    await page.close();
  }
} catch (error) {
  check(false, `the browser test stopped: ${error}`);
} finally {
  await browser.close();
  server.close();
  await rm(profile, { recursive: true, force: true });
}

console.log(failures === 0 ? "browser test: all checks passed" : `browser test: ${failures} check(s) failed`);
process.exit(failures === 0 ? 0 : 1);
