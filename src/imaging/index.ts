export { fingerprintDecoded, fingerprintImage, THUMBNAIL_SIDE, type Fingerprint, type FingerprintOptions } from "./fingerprint";
export { decodeImage, hashingSize, resizedDecoded, inspectImage, DEFAULT_MAX_BYTES, DEFAULT_MAX_PIXELS, MAX_PNG_DECODE_COST, type DecodedImage, type DecodeOptions, type ImageFormat } from "./decode";
export { checkOriginalQuality, MIN_PDQ_QUALITY, type QualityCheck } from "./quality";
