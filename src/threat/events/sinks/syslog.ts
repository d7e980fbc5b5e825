import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { hostname } from 'node:os';
import { connect, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { SecurityEvent } from '../event.js';
import { QueuedSink, sinkKey, sinkRetries } from '../sink.js';
import { timerMs } from '../../../common/timers.js';
import { ResolvedHost, unbracketHost, type HostAddress, type Lookup } from './resolved-host.js';

export interface SyslogOptions {
  host: string;
  port: number;
  protocol: 'udp' | 'tcp';
  /** TCP only (RFC 6587): `octet-counting` (§3.4.1, the default) or `lf` (§3.4.2, non-transparent: each message ends with LF). */
  framing?: 'octet-counting' | 'lf';
  facility: number;
  appName: string;
  maxQueue: number;
  flushMs: number;
  maxMessageBytes: number;
  timeoutMs: number;
}

const SEVERITY: Record<string, number> = { block: 4, deny: 4, throttle: 5, log: 6 };
const SD_ID = 'portcullis@32473';
const LF = Buffer.from('\n');

function sdValue(v: string): string {
  return v.replace(/[\\"\]]/g, (c) => `\\${c}`);
}

const NON_ASCII = /[\u007f-\uffff]/g;
/** A CR or LF (only in a header or SD value: the JSON has none) would end an LF-framed message early. */
const LINE_BREAK = /[\r\n]/g;
const escapeUnit = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * The event as JSON in ASCII only (`\uXXXX` for the rest): RFC 5424 §6.4 wants a UTF-8 MSG to start with
 * a BOM, which JSON readers choke on; an ASCII MSG is plain MSG-ANY, and truncation never cuts a character.
 */
function asciiJson(e: SecurityEvent): string {
  return JSON.stringify(e).replace(NON_ASCII, escapeUnit);
}

/** RFC 5424 line: <PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG (MSG is the event as ASCII JSON). */
export function formatRfc5424(e: SecurityEvent, facility: number, appName: string, host = hostname()): string {
  const pri = facility * 8 + (SEVERITY[e.action] ?? 6);
  const sd = `[${SD_ID} family="${sdValue(e.family)}" action="${sdValue(e.action)}" score="${e.score}" client_ip="${sdValue(e.client_ip)}" route="${sdValue(e.route)}" decision_id="${sdValue(e.decision_id)}" code="${sdValue(e.code)}"]`;
  const h = (host || '-').replace(/[^\x21-\x7e]/g, '').slice(0, 255) || '-';
  return `<${pri}>1 ${e.time} ${h} ${appName.slice(0, 48)} ${process.pid} security ${sd} ${asciiJson(e)}`;
}

/**
 * Syslog over UDP (one datagram per event, RFC 5426) or TCP (RFC 6587 frames: octet-counted, or LF-terminated
 * with `framing: lf`). The TCP
 * connection is kept and re-opened with backoff; events queue (bounded) while it is down. A write the
 * collector does not take within `timeoutMs` (it stopped reading) drops the batch, destroys the
 * connection and ends the flush; the next flush connects again.
 */
export class SyslogSink extends QueuedSink {
  /** One UDP socket per address family the collector's name resolved to. */
  private readonly udp = new Map<4 | 6, UdpSocket>();
  private tcp?: Socket;
  private connecting?: Promise<Socket>;
  /** The host without RFC 3986 brackets (`[::1]` → `::1`). */
  private readonly host: string;
  private readonly resolved: ResolvedHost;
  /** TCP with non-transparent framing: each message ends with LF (and carries none). */
  private readonly lf: boolean;

  /** `deps` replace the DNS lookup and the clock (tests). */
  constructor(name: string, private readonly o: SyslogOptions, private readonly logger: Logger, deps: { lookup?: Lookup; now?: () => number } = {}) {
    super(name, sinkKey('syslog', o), o.maxQueue, o.flushMs, 200);
    this.host = unbracketHost(o.host) ?? o.host;
    this.lf = o.protocol === 'tcp' && o.framing === 'lf';
    this.resolved = new ResolvedHost(this.host,
      (err) => logger.warn({ sink: name, err: err.message }, 'syslog collector lookup failed; sending to its last known address'),
      deps.lookup, deps.now);
  }

  /**
   * One message of at most `maxMessageBytes`. Too long: the weakest findings are left out (they come
   * strongest first) until the JSON fits whole; a cut JSON would not parse at the collector. Only when the
   * event is too long even without findings is the message cut.
   */
  private frame(e: SecurityEvent): Buffer {
    const max = this.o.maxMessageBytes;
    const format = (x: SecurityEvent) => {
      const l = formatRfc5424(x, this.o.facility, this.o.appName);
      return Buffer.from(this.lf ? l.replace(LINE_BREAK, ' ') : l);
    };
    let line = format(e);
    for (let n = e.findings.length - 1; line.length > max && n >= 0; n--) {
      line = format({ ...e, findings: e.findings.slice(0, n) });
    }
    if (line.length > max) line = line.subarray(0, max);
    return line;
  }

  protected async deliver(batch: SecurityEvent[]): Promise<boolean> {
    return this.o.protocol === 'udp' ? this.deliverUdp(batch) : this.deliverTcp(batch);
  }

  private async deliverUdp(batch: SecurityEvent[]): Promise<boolean> {
    let to: HostAddress;
    try { to = await this.resolved.address(); } catch (err) {
      this.logger.warn({ sink: this.name, err: (err as Error).message }, 'syslog collector lookup failed');
      return false;
    }
    let sock = this.udp.get(to.family);
    if (!sock) {
      sock = createSocket(to.family === 6 ? 'udp6' : 'udp4');
      sock.on('error', (err) => this.logger.warn({ sink: this.name, err: err.message }, 'syslog udp error'));
      sock.unref();
      this.udp.set(to.family, sock);
    }
    const s = sock;
    let ok = true;
    for (const e of batch) {
      const msg = this.frame(e);
      const sent = await new Promise<boolean>((resolve) => s.send(msg, this.o.port, to.address, (err) => resolve(!err)));
      ok &&= sent;
    }
    return ok;
  }

  private socket(): Promise<Socket> {
    if (this.tcp && !this.tcp.destroyed) return Promise.resolve(this.tcp);
    this.connecting ??= new Promise<Socket>((resolve, reject) => {
      const s = connect({ host: this.host, port: this.o.port });
      const timer = setTimeout(() => { s.destroy(new Error('connect timeout')); }, timerMs(this.o.timeoutMs));
      s.once('connect', () => { clearTimeout(timer); s.setNoDelay(true); this.tcp = s; resolve(s); });
      s.once('error', (err) => { clearTimeout(timer); reject(err); });
      s.on('close', () => { if (this.tcp === s) this.tcp = undefined; });
      s.on('error', () => undefined);
      s.unref();
    }).finally(() => { this.connecting = undefined; });
    return this.connecting;
  }

  private async deliverTcp(batch: SecurityEvent[]): Promise<boolean> {
    const frames = Buffer.concat(batch.flatMap((e) => {
      const m = this.frame(e);
      return this.lf ? [m, LF] : [Buffer.from(`${m.length} `), m];
    }));
    for (let attempt = 0; attempt < 3; attempt++) {
      if (attempt > 0) {
        // shutting down: no reconnects (a collector that is down would hold the exit for every queued batch)
        if (this.closing) { this.stalled = true; return false; }
        sinkRetries.inc({ sink: this.name });
        await Promise.race([new Promise((r) => setTimeout(r, 100 * 2 ** attempt).unref()), this.closingNow]);
        if (this.closing) { this.stalled = true; return false; }
      }
      try {
        const s = await this.socket();
        const r = await this.write(s, frames);
        if (r === 'ok') return true;
        if (r === 'timeout') {
          s.destroy();
          this.logger.warn({ sink: this.name, timeout_ms: this.o.timeoutMs, events: batch.length }, 'syslog tcp collector is not reading; batch dropped, reconnecting on the next flush');
          this.stalled = true;
          return false;
        }
      } catch (err) {
        this.logger.warn({ sink: this.name, err: (err as Error).message, attempt }, 'syslog tcp unavailable');
      }
      this.tcp?.destroy(); this.tcp = undefined;
    }
    return false;
  }

  /** Hand `data` to the socket and wait until it has left our buffers: at most `timeoutMs`. */
  private write(s: Socket, data: Buffer): Promise<'ok' | 'error' | 'timeout'> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve('timeout'), timerMs(this.o.timeoutMs));
      timer.unref();
      s.write(data, (err) => { clearTimeout(timer); resolve(err ? 'error' : 'ok'); });
    });
  }

  override async close(deadline?: number): Promise<void> {
    await super.close(deadline);
    for (const u of this.udp.values()) u.close();
    this.udp.clear();
    const s = this.tcp;
    s?.end();
    // a collector that stopped reading never lets end() finish
    if (s) setTimeout(() => s.destroy(), timerMs(this.o.timeoutMs)).unref();
  }
}
