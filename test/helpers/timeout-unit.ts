// Time limit for one test in the unit tier.
jest.setTimeout(5000);
