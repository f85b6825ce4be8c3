'use strict';

// Packages published as ES modules only; swc turns them into CommonJS for the tests.
const esmOnly = ['content-disposition', 'cookie', 'color', 'color-string', 'color-name', 'color-convert'];

const swc = [
  '@swc/jest',
  {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
  },
];

function project(name, extra = {}) {
  return {
    displayName: name,
    testEnvironment: 'node',
    roots: ['<rootDir>/test'],
    testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
    transform: { '^.+\\.(t|j|mj)s$': swc },
    transformIgnorePatterns: [`node_modules/(?!(${esmOnly.join('|')})/)`],
    setupFilesAfterEnv: [`<rootDir>/test/helpers/timeout-${name}.ts`],
    ...extra,
  };
}

// Integration and e2e tests get Redis/PostgreSQL from testcontainers where Docker works (else the local services).
const services = {
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
};

module.exports = {
  projects: [project('unit'), project('integration', services), project('e2e', services), project('chaos')],
};
