// Screenshots of the page for people to look at: node shot.mjs URL_FRAGMENT OUT.png [WIDTH HEIGHT SCALE SECONDS]
import { createServer } from "node:http";
import { readFile, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, extname, resolve, normalize } from "node:path";
import { chromium } from "playwright-core";

const [fragment = "", out = "shot.png", width = "1600", height = "1000", scale = "1", seconds = "6"] = process.argv.slice(2);
const site = resolve(process.env.SITE ?? join(import.meta.dirname, "../../target/web"));
const types = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm" };
const server = createServer(async (request, response) => {
  const path = new URL(request.url, "http://localhost").pathname;
  const file = normalize(join(site, path === "/" ? "index.html" : path));
  try {
    const body = await readFile(file);
    response.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" }).end(body);
  } catch {
    response.writeHead(404).end();
  }
});
await new Promise((done) => server.listen(0, "127.0.0.1", done));
const browser = await chromium.launchPersistentContext(await mkdtemp(join(tmpdir(), "optiviz-shot-")), {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  viewport: { width: Number(width) / Number(scale), height: Number(height) / Number(scale) },
  deviceScaleFactor: Number(scale),
  args: ["--headless=new", "--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage();
await page.goto(`http://127.0.0.1:${server.address().port}/${fragment}`);
await page.waitForTimeout(Number(seconds) * 1000);
await page.screenshot({ path: out });
console.log(await page.evaluate(() => document.getElementById("optiviz_status").textContent));
await browser.close();
server.close();
