// Headless-browser test of sextant pprof's web UI: Debian's Chromium driven by playwright-core.
//
// Starts `sextant pprof -http=127.0.0.1:0 -no_browser` on the Go CPU fixture, loads every view,
// fails on any JavaScript error, and checks what a user does: menus navigate, a click selects,
// Refine > Focus refines, Enter in the search box focuses, the table sorts, the graph zooms,
// the search reaches the flame graph. Screenshots go to $SCREENSHOTS (default: screenshots/).
//
// Run: npm ci && SEXTANT_BIN=../../target/debug/sextant node ui.test.mjs
// (CHROMIUM names the browser binary; default /usr/bin/chromium.)

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const bin =
  process.env.SEXTANT_BIN ||
  path.join(process.env.CARGO_TARGET_DIR || path.join(root, "target"), "debug", "sextant");
const shots = process.env.SCREENSHOTS || path.join(here, "screenshots");
// Bound on every wait: a debug build answers each view in well under a second here; the bound
// only stops a broken build from hanging CI.
const TIMEOUT = 30_000;

const configHome = mkdtempSync(path.join(os.tmpdir(), "sextant-ui-test-"));

function startServer() {
  const child = spawn(
    bin,
    ["pprof", "-http=127.0.0.1:0", "-no_browser", "-source_path=gen", "go1.19.cpu.pb.gz"],
    // Saved configs go to a scratch directory, not the user's.
    { cwd: path.join(root, "testdata/go"), env: { ...process.env, TZ: "UTC", XDG_CONFIG_HOME: configHome } },
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no 'Serving web UI' line")), TIMEOUT);
    let err = "";
    child.stderr.on("data", (d) => {
      err += d;
      const m = err.match(/Serving web UI on (http:\/\/\S+)\n/);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1] });
      }
    });
    child.on("exit", (code) => reject(new Error(`sextant exited with ${code}: ${err}`)));
    child.on("error", reject);
  });
}

const tests = [];
function test(name, fn) {
  tests.push({ name, fn });
}

// Opens `url` in a fresh page that records JavaScript errors.
async function open(ctx, url) {
  const page = await ctx.newPage();
  page.jsErrors = [];
  page.on("pageerror", (e) => page.jsErrors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error") page.jsErrors.push(m.text());
  });
  const resp = await page.goto(url, { waitUntil: "load", timeout: TIMEOUT });
  assert.equal(resp.status(), 200, `GET ${url}`);
  return page;
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(shots, `${name}.png`) });
}

function noErrors(page) {
  assert.deepEqual(page.jsErrors, [], "JavaScript errors");
}

test("every view loads without JavaScript errors", async (ctx, base) => {
  const views = {
    graph: "/ui/",
    top: "/ui/top",
    flamegraph: "/ui/flamegraph",
    peek: "/ui/peek?f=isSpace",
    source: "/ui/source?f=main.scan",
  };
  for (const [name, p] of Object.entries(views)) {
    const page = await open(ctx, base + p);
    await page.waitForTimeout(200);
    await shot(page, name);
    noErrors(page);
    await page.close();
  }
});

test("the View menu navigates and keeps the parameters", async (ctx, base) => {
  const page = await open(ctx, base + "/ui/top?i=walkTree");
  await page.click("#view .menu-name");
  await shot(page, "view-menu-open");
  assert.ok(await page.isVisible("#graphbtn"), "the menu opens");
  await Promise.all([page.waitForURL(/\/ui\/\?/), page.click("#graphbtn")]);
  assert.equal(new URL(page.url()).searchParams.get("i"), "walkTree");
  assert.ok(await page.$("#graph svg"), "the graph view");
  noErrors(page);
  await page.close();
});

test("a selected row is focused on through the Refine menu", async (ctx, base) => {
  const page = await open(ctx, base + "/ui/top");
  const row = page.locator("#toptable tbody tr", { hasText: "main.walkTree" }).first();
  await row.click();
  assert.match(await row.getAttribute("class"), /selected/);
  await page.click("#refine .menu-name");
  await Promise.all([page.waitForURL(/f=/), page.click("#focus")]);
  assert.equal(new URL(page.url()).searchParams.get("f"), "main\\.walkTree");
  const names = await page.$$eval("#toptable tbody td.name:nth-child(6)", (tds) =>
    tds.map((td) => td.textContent),
  );
  assert.ok(names.includes("main.walkTree"));
  assert.ok(!names.includes("main.marshalSQL"), "focus drops other paths");
  noErrors(page);
  await page.close();
});

test("Enter in the search box focuses on the regexp", async (ctx, base) => {
  const page = await open(ctx, base + "/ui/top");
  await page.fill("#search", "marshal");
  await Promise.all([page.waitForURL(/f=marshal/), page.press("#search", "Enter")]);
  const rows = await page.$$("#toptable tbody tr");
  assert.ok(rows.length > 0 && rows.length < 14, `${rows.length} rows`);
  noErrors(page);
  await page.close();
});

test("column headers sort the table", async (ctx, base) => {
  const page = await open(ctx, base + "/ui/top");
  await page.click("#toptable th[data-sort=name]");
  const names = await page.$$eval("#toptable tbody tr", (trs) => trs.map((tr) => tr.dataset.name));
  assert.deepEqual(names, [...names].sort());
  await page.click("#toptable th[data-sort=cum]");
  const cums = await page.$$eval("#toptable tbody tr", (trs) => trs.map((tr) => Number(tr.dataset.cum)));
  assert.deepEqual(cums, [...cums].sort((a, b) => b - a));
  // Sum% is recomputed in the new order; over all rows it is the golden -top's last sum%.
  const sums = await page.$$eval("#toptable tbody tr td:nth-child(3)", (tds) => tds.map((td) => td.textContent));
  assert.equal(sums[sums.length - 1], "99.78%");
  const firstFlat = await page.textContent("#toptable tbody tr td:nth-child(2)");
  assert.equal(sums[0], firstFlat, "the first row's sum is its flat share");
  noErrors(page);
  await page.close();
});

test("the graph selects nodes by click and search, and zooms", async (ctx, base) => {
  const page = await open(ctx, base + "/ui/");
  await page.click("#node1 polygon", { force: true });
  assert.match(await page.getAttribute("#node1", "class"), /selected/);
  await page.fill("#search", "marshalSQL");
  // The search replaces the clicked selection with the matching node.
  await page.waitForFunction(() => {
    const sel = document.querySelectorAll("g.node.selected");
    return sel.length === 1 && sel[0].textContent.includes("marshalSQL");
  });
  const before = await page.getAttribute("#graph g.graph", "transform");
  await page.mouse.move(600, 400);
  await page.mouse.wheel(0, -300);
  const after = await page.getAttribute("#graph g.graph", "transform");
  assert.notEqual(after, before, "the wheel zooms");
  await shot(page, "graph-selected");
  noErrors(page);
  await page.close();
});

test("the header search reaches the flame graph", async (ctx, base) => {
  const page = await open(ctx, base + "/ui/flamegraph");
  const frame = page.frameLocator("#flame");
  await frame.locator("#frames").waitFor({ timeout: TIMEOUT });
  await page.fill("#search", "walkTree");
  await page.waitForFunction(() => {
    const d = document.getElementById("flame").contentDocument;
    return d && d.querySelectorAll("g.f.match").length > 0;
  });
  await shot(page, "flamegraph-search");
  noErrors(page);
  await page.close();
});

test("the Sample menu switches the sample type", async (ctx, base) => {
  const page = await open(ctx, base + "/ui/top");
  await page.click("#sample .menu-name");
  await Promise.all([page.waitForURL(/si=samples/), page.click("#si-samples")]);
  const legend = await page.textContent("#detailsbox");
  assert.match(legend, /Type: samples/);
  noErrors(page);
  await page.close();
});

test("a config is saved from the Config menu and deleted again", async (ctx, base) => {
  const page = await open(ctx, base + "/ui/top?f=walkTree");
  page.on("dialog", (d) => d.accept(d.type() === "prompt" ? "ui-test" : undefined));
  await page.click("#config .menu-name");
  await Promise.all([page.waitForEvent("load"), page.click("#save-config")]);
  await page.click("#config .menu-name");
  const entry = page.locator(".config-entry", { hasText: "ui-test" });
  assert.match(await entry.textContent(), /\u2713 ui-test/, "the saved config matches this page");
  await shot(page, "config-menu");
  await Promise.all([page.waitForEvent("load"), entry.locator(".config-delete").click()]);
  assert.equal(await page.locator(".config-entry", { hasText: "ui-test" }).count(), 0);
  noErrors(page);
  await page.close();
});

async function main() {
  mkdirSync(shots, { recursive: true });
  const { child, url } = await startServer();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox"],
    timeout: TIMEOUT,
  });
  let failed = 0;
  try {
    const ctx = await browser.newContext({ viewport: { width: 1300, height: 800 } });
    ctx.setDefaultTimeout(TIMEOUT);
    for (const t of tests) {
      try {
        await t.fn(ctx, url);
        console.log(`ok   ${t.name}`);
      } catch (e) {
        failed++;
        console.log(`FAIL ${t.name}\n     ${String(e.stack || e).replace(/\n/g, "\n     ")}`);
      }
    }
  } finally {
    await browser.close();
    child.kill();
    rmSync(configHome, { recursive: true, force: true });
  }
  console.log(`${tests.length - failed} passed, ${failed} failed; screenshots in ${shots}`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
