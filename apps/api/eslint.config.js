import config from '../../eslint.config.js';

// The root config, plus the generated Prisma clients (gitignored, rebuilt by `npm run db:generate`).
export default [...config, { ignores: ['generated/**'] }];
