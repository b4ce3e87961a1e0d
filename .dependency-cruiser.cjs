// Import rules checked in CI (`npm run check:imports`, part of `npm test`): no import cycles in product
// code, and face-core never reaching into the API, the dashboard or the client.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle makes the order of module loading matter and the layers unclear: break it by moving the shared part down.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'face-core-stands-alone',
      severity: 'error',
      comment: 'face-core knows nothing about HTTP or databases (the brief).',
      from: { path: '^packages/face-core/src' },
      to: { path: '^(apps|packages/client)/' },
    },
    {
      name: 'people-archive-stands-alone',
      severity: 'error',
      comment: 'The archive reader is shared by the API and the browser: it imports no other workspace.',
      from: { path: '^packages/people-archive/src' },
      to: { path: '^(apps|packages/(?!people-archive/))' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(node_modules|\\.next|/dist/|/generated/|\\.test\\.tsx?$)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.json'],
    },
  },
};
