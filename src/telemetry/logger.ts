import { pino, type Logger, type LoggerOptions } from 'pino';

/** Paths whose values never reach a log line: credentials in headers, cookies, API keys. */
export const REDACT_PATHS = [
  'headers.authorization', 'headers.cookie', 'headers["set-cookie"]', 'headers["x-api-key"]',
  'headers["proxy-authorization"]', '*.headers.authorization', '*.headers.cookie', '*.headers["x-api-key"]',
  'authorization', 'cookie', 'apiKey', 'api_key', 'token', 'secret', 'password', 'client_secret',
];

export function createLogger(level: string = process.env.PORTCULLIS_LOG_LEVEL ?? 'info', destination?: NodeJS.WritableStream): Logger {
  const opts: LoggerOptions = {
    level,
    base: { service: 'portcullis' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(opts, destination as any) : pino(opts);
}
