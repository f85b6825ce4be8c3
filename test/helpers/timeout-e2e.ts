// Time limit for one test in the e2e tier.
jest.setTimeout(120000);
