/** Public API of the genesys-presence-worker package. */
export { loadConfig, type Config } from './config';
export { AppError } from './app-error';
