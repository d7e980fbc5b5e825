export interface JsVerdict { confidence: number; reason: string }
export function detectJsExpression(_s: string): JsVerdict { return { confidence: 0, reason: '' }; }
