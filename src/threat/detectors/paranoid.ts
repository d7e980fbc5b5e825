import type { Decoded } from '../decode/normalize.js';
import type { InjectionFamily, ParanoiaLevel } from './index.js';
export interface ParanoidFinding { family: InjectionFamily; confidence: number; detail: string; level: number; markup?: boolean }
export function paranoidFindings(_d: Decoded, _pl: ParanoiaLevel): ParanoidFinding[] { return []; }
