/**
 * A scrape as Prometheus makes it: its Accept header (it asks for OpenMetrics first
 * and takes the text format), its User-Agent and scrape-timeout header, and with
 * `authorization: {credentials}` in the scrape config, `Authorization: Bearer`. The
 * body is then checked line by line against the text exposition format, as
 * Prometheus's parser would refuse it.
 */

const ACCEPT = 'application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2';
// Values as Go's ParseFloat reads them: NaN and Inf in any case (prom-client writes "Nan").
const SAMPLE = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (-?[0-9.eE+-]+|[+-]?inf(inity)?|nan)( -?\d+)?$/i;
const COMMENT = /^# (HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*|TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped))$/;

export interface PrometheusScrape {
  status: number;
  contentType: string;
  text: string;
  /** Lines a Prometheus parser would refuse (empty for a good scrape). */
  unparsable: string[];
  /** How many samples the body holds. */
  samples: number;
}

/** Scrapes `url` the way Prometheus does; `token` goes in `Authorization: Bearer`. */
export async function scrapeLikePrometheus(url: string, options: { token?: string; timeoutSeconds?: number } = {}): Promise<PrometheusScrape> {
  const timeoutSeconds = options.timeoutSeconds ?? 10;
  const res = await fetch(url, {
    headers: {
      accept: ACCEPT,
      'user-agent': 'Prometheus/2.53.0',
      'x-prometheus-scrape-timeout-seconds': String(timeoutSeconds),
      ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
    },
    signal: AbortSignal.timeout(timeoutSeconds * 1000),
  });
  const text = await res.text();
  const lines = res.ok ? text.split('\n').filter((line) => line !== '') : [];
  return {
    status: res.status,
    contentType: res.headers.get('content-type') ?? '',
    text,
    unparsable: lines.filter((line) => !(line.startsWith('#') ? COMMENT.test(line) : SAMPLE.test(line))),
    samples: lines.filter((line) => !line.startsWith('#')).length,
  };
}
