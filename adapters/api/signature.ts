/** The api channel signs both directions the hub's standard way (see core/signature.ts). */
export { sign, signatureHeader, verify } from '../../core/signature.js';
