// Node's Buffer for the browser bundle: src/core speaks Buffer for hex and Merkle nodes.
import { Buffer } from "buffer";

export { Buffer };
