// ESM entry: the implementation is index.cjs (one copy of the state, whichever way it is loaded).
import prodgyMock from './index.cjs';

export const { BINARY_ENV, DEFAULT_TOKEN, binaryPath, defaultToken, platformPackage, start } = prodgyMock;
