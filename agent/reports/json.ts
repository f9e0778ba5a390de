// The JSON report: the run document itself (the contract of `run --format
// json`), on its own so that a JSON run loads none of the other renderers.
import type { RunDocument } from '../runner/document.js';

export const renderJson = (doc: RunDocument): string => `${JSON.stringify(doc, null, 2)}\n`;
