// Time limit for one test in the integration tier.
jest.setTimeout(30000);
