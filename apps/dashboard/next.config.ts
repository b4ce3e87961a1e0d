import type { NextConfig } from 'next';

const config: NextConfig = {
  poweredByHeader: false,
  experimental: {
    // Photos travel through server actions to the API (which allows 10 MiB each).
    serverActions: { bodySizeLimit: '40mb' },
  },
};

export default config;
