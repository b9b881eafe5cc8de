/**
 * HTTP load generator for npm run bench, forked by bench/run.ts so the load does not share the
 * server's event loop. It receives one job over IPC (url, token, query, concurrency, seconds, and
 * optionally a list of variables each used once) and answers with every request's latency.
 * Bounded: it stops at `seconds` or after `maxRequests`, whichever comes first.
 */
export interface LoadJob {
  url: string;
  token?: string;
  query: string;
  concurrency: number;
  seconds: number;
  maxRequests?: number;
  /** Each request takes the next entry (and the run stops when they run out); else `variables`. */
  variablesList?: unknown[];
  variables?: unknown;
  /** Request i sends tokens[i % tokens.length] instead of `token` (many clients, one generator). */
  tokens?: string[];
}

export interface LoadReport {
  latencies: number[];
  errors: number;
  codes: Record<string, number>;
  elapsedMs: number;
}

async function run(job: LoadJob): Promise<LoadReport> {
  const latencies: number[] = [];
  const codes: Record<string, number> = {};
  let errors = 0;
  let next = 0;
  const max = Math.min(job.maxRequests ?? 100_000, job.variablesList?.length ?? Infinity);
  const t0 = performance.now();
  const deadline = t0 + job.seconds * 1000;
  const headersFor = (i: number): Record<string, string> => {
    const token = job.tokens?.length ? job.tokens[i % job.tokens.length] : job.token;
    return token ? { 'content-type': 'application/json', authorization: `Bearer ${token}` } : { 'content-type': 'application/json' };
  };
  await Promise.all(
    Array.from({ length: job.concurrency }, async () => {
      while (performance.now() < deadline && next < max) {
        const i = next++;
        const variables = job.variablesList ? job.variablesList[i] : (job.variables ?? {});
        const s = performance.now();
        try {
          const res = await fetch(`${job.url}/graphql`, {
            method: 'POST',
            headers: headersFor(i),
            body: JSON.stringify({ query: job.query, variables }),
          });
          const body = (await res.json()) as { errors?: { extensions?: { code?: string } }[] };
          latencies.push(performance.now() - s);
          if (body.errors?.length) {
            errors++;
            const code = body.errors[0]?.extensions?.code ?? 'UNKNOWN';
            codes[code] = (codes[code] ?? 0) + 1;
          }
        } catch {
          latencies.push(performance.now() - s);
          errors++;
          codes.NETWORK = (codes.NETWORK ?? 0) + 1;
        }
      }
    }),
  );
  return { latencies, errors, codes, elapsedMs: performance.now() - t0 };
}

process.once('message', (job: LoadJob) => {
  run(job).then(
    (report) => process.send!(report, () => process.exit(0)),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
});
