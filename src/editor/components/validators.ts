/** Validators more than one dialog uses. */
import type { NodeProperties, Validator } from '../types/node-red-editor';

/**
 * An optional whole or decimal number within [min, max]; blank means the runtime default.
 * `errorKey` names the catalog text (with `{{min}}` and `{{max}}`) that says so.
 */
export function range<T extends NodeProperties>(min: number, max: number, errorKey: string): Validator<T> {
  // Two parameters: Node-RED then shows the returned text as the reason.
  return function (v, opt) {
    if (v === '' || v === undefined || v === null) {
      return true;
    }
    const n = Number(v);
    if (RED.validators.number()(v) === true && isFinite(n) && n >= min && n <= max) {
      return true;
    }
    return opt ? RED._(errorKey, { min: min, max: max }) : false;
  };
}
