export { fingerprintImage, THUMBNAIL_SIDE, type Fingerprint, type FingerprintOptions } from "./fingerprint";
export { decodeImage, hashingSize, inspectImage, DEFAULT_MAX_BYTES, DEFAULT_MAX_PIXELS, type DecodedImage, type ImageFormat } from "./decode";
export { checkOriginalQuality, MIN_PDQ_QUALITY, type QualityCheck } from "./quality";
