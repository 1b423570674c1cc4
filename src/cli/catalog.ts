/**
 * `flatvox catalog build <inputs...>`: describe many datasets (header, sizes,
 * per-timestep statistics) in one JSON file the viewer lists and searches.
 * `flatvox catalog search <catalog> [query...]`: fuzzy search over it.
 */
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { SingleBar } from "cli-progress";
import type { Command } from "commander";
import { buildCatalog, type CatalogInput } from "../catalog/build";
import { type CatalogHit, catalogJson, parseCatalog, searchCatalog } from "../catalog/search";
import type { Catalog } from "../catalog/types";
import { FlatvoxError } from "../shared/errors";

const isUrl = (s: string) => /^https?:\/\//i.test(s);

async function fvxFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await fvxFiles(p)));
    else if (e.isFile() && e.name.toLowerCase().endsWith(".fvx")) out.push(p);
  }
  return out.sort();
}

/**
 * Inputs → what to open and what the catalog records. Directories are
 * searched for .fvx files (recursively); local files are recorded relative to
 * the catalog's directory (so the catalog moves with its data), behind
 * `baseUrl` when given; URLs are recorded as they are.
 */
export async function resolveInputs(
  inputs: string[],
  outDir: string,
  baseUrl?: string,
): Promise<CatalogInput[]> {
  const out: CatalogInput[] = [];
  const seen = new Set<string>();
  const add = (source: string, url: string) => {
    if (seen.has(source)) return;
    seen.add(source);
    out.push({ source, url });
  };
  for (const input of inputs) {
    if (isUrl(input)) {
      add(input, input);
      continue;
    }
    const abs = resolve(input);
    const st = await stat(abs).catch(() => undefined);
    if (!st) throw new FlatvoxError("InputError", `catalog: no such file or directory: ${input}`);
    const files = st.isDirectory() ? await fvxFiles(abs) : [abs];
    for (const f of files) {
      const rel = relative(outDir, f).split(sep).join("/");
      const url = baseUrl ? `${baseUrl.replace(/\/+$/, "")}/${rel}` : rel;
      add(f, url);
    }
  }
  return out;
}

/** Read a catalog from a file or an http(s) URL. */
export async function loadCatalog(target: string): Promise<{ catalog: Catalog; problems: string[] }> {
  let text: string;
  if (isUrl(target)) {
    const r = await fetch(target, { cache: "no-store" });
    if (!r.ok)
      throw new FlatvoxError("HttpError", `catalog: HTTP ${r.status} for ${target}`, {
        url: target,
        status: r.status,
      });
    text = await r.text();
  } else {
    text = await readFile(target, "utf8").catch((e: NodeJS.ErrnoException) => {
      throw new FlatvoxError("InputError", `catalog: cannot read ${target} (${e.code ?? e.message})`);
    });
  }
  return parseCatalog(text, target);
}

const fmtNum = (v: number | undefined, digits = 3) =>
  v === undefined || Number.isNaN(v) ? "-" : Number.isInteger(v) ? String(v) : v.toPrecision(digits);

/** Plain-text table of hits (strings from catalogs are printed as text). */
export function formatHits(hits: CatalogHit[]): string {
  const head = ["#", "score", "title", "kind", "steps", "grid", "fields", "url"];
  const rows = hits.map((h, i) => [
    String(i + 1),
    h.score.toFixed(2),
    h.entry.title,
    h.entry.kind,
    fmtNum(h.entry.times?.count),
    h.entry.dims ? h.entry.dims.join("×") : "-",
    h.entry.fields.map((f) => f.name).join(",") || "-",
    h.entry.url,
  ]);
  const width = head.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(width[i]))
      .join("  ")
      .trimEnd();
  return [line(head), ...rows.map(line), `${hits.length} dataset${hits.length === 1 ? "" : "s"}`].join("\n");
}

function progressBar(quiet: boolean) {
  if (quiet) return { update: (_d: number, _t: number, _s: string) => {}, stop: () => {} };
  if (process.stderr.isTTY) {
    const bar = new SingleBar({
      format: "catalog [{bar}] {value}/{total} datasets | {name}",
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    });
    let started = false;
    return {
      update(done: number, total: number, name: string) {
        if (!started) {
          bar.start(total, done, { name });
          started = true;
        } else bar.update(done, { name });
      },
      stop: () => started && bar.stop(),
    };
  }
  return {
    update: (done: number, total: number, name: string) =>
      process.stderr.write(`catalog: ${done}/${total} ${name}\n`),
    stop: () => {},
  };
}

interface BuildCli {
  out?: string;
  baseUrl?: string;
  stats: string;
  jobs: string;
  quiet?: boolean;
  update?: boolean;
}

/** Options of `catalog build`: flags, description, default. */
const BUILD_OPTIONS: [string, string, string?][] = [
  ["-o, --out <file>", "write the catalog here (default: print it)"],
  ["--base-url <url>", "record local files under this URL instead of relative to the catalog"],
  ["--stats <mode>", "exact (every voxel), coarse (coarsest level, cheapest) or none", "exact"],
  ["--jobs <n>", "datasets opened at once", "2"],
  ["--update", "keep the entries of the existing --out catalog whose file is unchanged (same ETag and size)"],
  ["-q, --quiet", "no progress"],
];

export function register(program: Command): void {
  const catalog = program
    .command("catalog")
    .description(
      "index many datasets with their statistics, and search them (the viewer lists the same file)",
    );

  const build = catalog
    .command("build")
    .description("describe datasets (files, directories searched for .fvx, or URLs) in one catalog JSON")
    .argument("<inputs...>", ".fvx files, directories or http(s) URLs");
  for (const [flags, text, dflt] of BUILD_OPTIONS) build.option(flags, text, dflt);
  build.action(async (inputs: string[], o: BuildCli) => {
    if (!["exact", "coarse", "none"].includes(o.stats))
      throw new FlatvoxError("InputError", `--stats must be exact, coarse or none, got '${o.stats}'`);
    const jobs = Number(o.jobs);
    if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64)
      throw new FlatvoxError("InputError", `--jobs must be an integer in 1..64, got '${o.jobs}'`);
    const outDir = o.out ? dirname(resolve(o.out)) : process.cwd();
    const resolved = await resolveInputs(inputs, outDir, o.baseUrl);
    if (resolved.length === 0)
      throw new FlatvoxError("InputError", "catalog: no .fvx datasets in the inputs");
    if (o.update && !o.out)
      throw new FlatvoxError("InputError", "--update needs --out (the catalog to update)");
    const previous = o.update ? await loadCatalog(o.out!).catch(() => undefined) : undefined;
    const bar = progressBar(o.quiet === true || !o.out);
    let reused = 0;
    const cat = await buildCatalog(resolved, {
      stats: o.stats as "exact" | "coarse" | "none",
      datasets: jobs,
      previous: previous?.catalog,
      onProgress: (p) => {
        if (p.reused) reused++;
        bar.update(p.done, p.total, p.source.split(/[\\/]/).pop() ?? p.source);
      },
    });
    bar.stop();
    const text = catalogJson(cat);
    if (o.out) {
      await writeFile(o.out, text);
      process.stderr.write(
        `catalog: ${cat.datasets.length} dataset${cat.datasets.length === 1 ? "" : "s"} → ${o.out}${o.update ? ` (${reused} unchanged)` : ""}${cat.failed.length ? `, ${cat.failed.length} failed` : ""}\n`,
      );
    } else process.stdout.write(text);
    for (const f of cat.failed)
      process.stderr.write(`catalog: failed ${f.source}: ${f.error}: ${f.message}\n`);
    if (cat.failed.length) process.exitCode = 1;
  });

  catalog
    .command("search")
    .description(
      "fuzzy search a catalog: words (typos allowed) and filters kind: field: tag: features: steps>=N",
    )
    .argument("<catalog>", "catalog JSON file or http(s) URL")
    .argument("[query...]", "e.g. gray scott steps>=10, or kind:categorical copper")
    .option("--limit <n>", "at most n results")
    .option("--json", "print JSON (the matching entries with score and matched parts)")
    .action(async (target: string, query: string[], o: { limit?: string; json?: boolean }) => {
      const limit = o.limit === undefined ? undefined : Number(o.limit);
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
        throw new FlatvoxError("InputError", `--limit must be a positive integer, got '${o.limit}'`);
      const { catalog: cat, problems } = await loadCatalog(target);
      for (const p of problems) process.stderr.write(`catalog: skipped ${p}\n`);
      const hits = searchCatalog(cat, query.join(" "), { limit });
      console.log(o.json ? JSON.stringify(hits, null, 2) : formatHits(hits));
    });
}
