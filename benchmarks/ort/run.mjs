// Runs an ONNX model on ONNX Runtime (CPU, graph optimisation "all", batch 1) and prints one JSON object.
//   node run.mjs --model M.onnx [--threads N] [--input in.f32] [--output out.f32] [--batch 1]
//                [--warmup 3] [--min-runs 20] [--min-time 1.0] [--runs 0] [--profile PREFIX]
//                [--save-optimized OUT.onnx] [--outputs-dir DIR]
// --input: raw float32 NCHW (default: zeros); --output writes the first run's output as raw float32;
// --outputs-dir writes every output of the first run as DIR/<k>.f32 (k: its place in the session's outputs,
// listed with names and dims under "outputs"), for `cpubone-explore check`'s per-op comparison.
// --batch: the size of a symbolic batch axis (export --dynamic-batch); a model with a fixed one keeps it.
// Timing follows our profiler (profiler/measure/measure.cpp): warm-up, then runs until both a minimum count and a
// minimum time are reached; median, p10, p90 (numpy's linear percentiles), mean, stdev, CV, raw samples.
// --runs 0 only runs once (for the agreement test). --profile turns on ORT's per-node profiling.
// --save-optimized writes the graph this session runs (after ORT's fusions and layout changes): its nodes
// carry the profile's names and their tensors, so ort_vs_ours.py --per-node can match fused nodes to ours.
import * as ort from 'onnxruntime-node';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';

function parseArgs(argv) {
  const a = { threads: 1, warmup: 3, minRuns: 20, minTime: 1.0, runs: -1, batch: 1 };
  const keys = { '--model': 'model', '--threads': 'threads', '--input': 'input', '--output': 'output',
    '--warmup': 'warmup', '--min-runs': 'minRuns', '--min-time': 'minTime', '--runs': 'runs', '--profile': 'profile',
    '--batch': 'batch', '--save-optimized': 'saveOptimized', '--outputs-dir': 'outputsDir' };
  for (let i = 2; i < argv.length; i += 2) {
    const k = keys[argv[i]];
    if (!k || i + 1 >= argv.length) fail(`unknown or incomplete option ${argv[i]}`);
    a[k] = ['model', 'input', 'output', 'profile', 'saveOptimized', 'outputsDir'].includes(k) ? argv[i + 1] : Number(argv[i + 1]);
    if (typeof a[k] === 'number' && !Number.isFinite(a[k])) fail(`${argv[i]} = ${argv[i + 1]}: not a number`);
  }
  if (!a.model) fail('--model is required');
  if (!(a.threads >= 1 && a.threads <= 256)) fail(`--threads = ${a.threads}: out of range [1, 256]`);
  if (!(Number.isInteger(a.batch) && a.batch >= 1 && a.batch <= 1024)) fail(`--batch = ${a.batch}: out of range [1, 1024]`);
  return a;
}

function fail(message) {
  process.stderr.write(`ort/run.mjs: ${message}\n`);
  process.exit(2);
}

function percentile(sorted, q) {
  if (sorted.length === 1) return sorted[0];
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos), hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function summarize(samples) {
  const s = [...samples].sort((x, y) => x - y);
  const mean = s.reduce((t, x) => t + x, 0) / s.length;
  const ss = s.reduce((t, x) => t + (x - mean) ** 2, 0);
  const stdev = s.length > 1 ? Math.sqrt(ss / (s.length - 1)) : 0;
  return { count: s.length, median: percentile(s, 0.5), p10: percentile(s, 0.1), p90: percentile(s, 0.9),
    mean, stdev, cv: mean > 0 ? stdev / mean : 0, min: s[0], max: s[s.length - 1] };
}

const a = parseArgs(process.argv);
const options = {
  executionProviders: ['cpu'],
  graphOptimizationLevel: 'all',
  intraOpNumThreads: a.threads,
  interOpNumThreads: 1,
  executionMode: 'sequential',
};
if (a.profile) { options.enableProfiling = true; options.profileFilePrefix = a.profile; }
if (a.saveOptimized) options.optimizedModelFilePath = a.saveOptimized;
let session;
try {
  session = await ort.InferenceSession.create(a.model, options);
} catch (e) {
  fail(`${a.model}: ONNX Runtime cannot load it: ${e.message}`);
}
const name = session.inputNames[0];
const meta = session.inputMetadata?.[0];
const dims = meta?.shape?.map((d, k) => (k === 0 && typeof d !== 'number' ? a.batch : d)) ?? null;
if (!dims || dims.some((d) => typeof d !== 'number')) fail(`${a.model}: input ${name} has no fixed shape`);
const count = dims.reduce((t, d) => t * d, 1);
let data = new Float32Array(count);
if (a.input) {
  const buf = readFileSync(a.input);
  if (buf.length !== count * 4) fail(`${a.input}: ${buf.length} bytes, the model's input ${dims.join('x')} needs ${count * 4}`);
  data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
}
const feeds = { [name]: new ort.Tensor('float32', data, dims) };

const first = await session.run(feeds);
const out = first[session.outputNames[0]];
if (a.output) writeFileSync(a.output, Buffer.from(out.data.buffer, out.data.byteOffset, out.data.byteLength));
const written = [];
if (a.outputsDir) {
  session.outputNames.forEach((n, k) => {
    const t = first[n];
    writeFileSync(`${a.outputsDir}/${k}.f32`, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    written.push({ name: n, dims: t.dims, file: `${k}.f32` });
  });
}

const result = {
  schema: 'cpubone-explore/ort-measurement/v2',  // v2: the timing object under "timing" (v1: "latency_us")
  model: a.model,
  runtime: `onnxruntime-node ${ort.env.versions?.node ?? '?'}`,
  threads: a.threads,
  graph_optimization: 'all',
  output_dims: out.dims,
};
if (a.outputsDir) result.outputs = written;
if (a.runs !== 0) {
  for (let i = 0; i < a.warmup; ++i) await session.run(feeds);
  const samples = [];
  const start = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - start) / 1e3;
  const target = a.runs > 0 ? a.runs : Infinity;
  while (samples.length < target && (a.runs > 0 || samples.length < a.minRuns || elapsed() < a.minTime * 1e6)) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    samples.push(Number(process.hrtime.bigint() - t0) / 1e3);
  }
  result.timing = { stats_us: summarize(samples), samples_us: samples };
}
if (a.profile) session.endProfiling();  // writes PREFIX_<date>.json
result.environment = { cpu: os.cpus()[0]?.model ?? '?', cores: os.cpus().length, node: process.version,
  kernel: os.release(), date_utc: new Date().toISOString() };
process.stdout.write(JSON.stringify(result, null, 2) + '\n');
