import base from '../../eslint.config.js';

// src/generated is written by graphql-codegen (npm run codegen) and not committed.
export default [{ ignores: ['src/generated/**'] }, ...base];
