/** CNI configuration parsing, runtime selection and CNI detection. */
export * from './config.js';
export * from './select.js';
export * from './detect.js';
