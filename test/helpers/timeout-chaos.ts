// Time limit for one test in the chaos tier.
jest.setTimeout(600000);
