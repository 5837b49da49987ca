import { anchorRoot } from "../../src/chain/anchor";
import { deployAnchor } from "../../src/chain/deploy";
import { createChainClient } from "../../src/chain/provider";
import { BUNDLE_FORMAT, type EvidenceBundle } from "../../src/core/bundle";
import { canonicalJson } from "../../src/core/canonical-json";
import { uint64ToHex } from "../../src/core/hex";
import { leafHash, registrationIdOf } from "../../src/core/leaf";
import { recordDigest, searchReceiptLeaf, SEARCH_RECEIPT_FORMAT, type SearchReceipt, type SearchRecord } from "../../src/core/search-receipt";
import { fingerprintImage } from "../../src/imaging/fingerprint";
import { OTHER_DEV_KEY } from "./anvil";

export interface Forgery {
  /** The forger's own ProvenanceAnchor and its anchorer (the forger), lowercase. */
  contract: string;
  anchorer: string;
  /** A bundle claiming that the victim registered `image`. */
  bundle: EvidenceBundle;
  /** A search receipt claiming that the victim searched with `image` and was answered no hit. */
  receipt: SearchReceipt;
}

/**
 * The attack of issue 14, as a forger runs it: any funded account deploys its own ProvenanceAnchor on the same
 * chain and anchors self-made leaves naming a victim. Everything the chain can say about them holds; only whom
 * a verifier trusts tells them apart.
 */
export async function forgeEvidence(rpcUrl: string, victimAccountId: string, image: Buffer): Promise<Forgery> {
  const forger = createChainClient({ rpcUrl, privateKey: OTHER_DEV_KEY, chainId: 31337 });
  try {
    const contract = (await deployAnchor(forger.wallet)).address.toLowerCase();
    const fp = await fingerprintImage(image);
    const atMs = Date.now() - 1000;
    const anchorOf = async (root: string) => {
      const a = await anchorRoot(forger.wallet, { contract, root, leafCount: 1 });
      return { chainId: 31337, contract, txHash: a.txHash, blockNumber: a.blockNumber, blockTimestamp: a.blockTimestamp };
    };

    const leaf = leafHash({ sha256: fp.sha256, pdq: fp.pdq, phash: fp.phash, registeredAtMs: atMs, accountId: victimAccountId });
    const bundle: EvidenceBundle = {
      format: BUNDLE_FORMAT,
      registration: {
        id: registrationIdOf(leaf),
        accountId: victimAccountId,
        sha256: fp.sha256,
        pdq: fp.pdq,
        phash: uint64ToHex(fp.phash),
        registeredAt: new Date(atMs).toISOString(),
      },
      leaf,
      merkle: { root: leaf, proof: [] },
      anchor: await anchorOf(leaf),
    };

    const record: SearchRecord = {
      id: "srch_" + "ab".repeat(12),
      searchedAt: new Date(atMs).toISOString(),
      searchedBy: { organisationId: victimAccountId, memberId: "mem_forged" },
      query: { sha256: fp.sha256, pdq: fp.pdq, phash: uint64ToHex(fp.phash), width: fp.width, height: fp.height, thumbnailUrl: "" },
      params: { scope: "all", threshold: 85, category: null, limit: 5 },
      hits: [],
    };
    const digest = recordDigest(canonicalJson(record));
    const receiptLeaf = searchReceiptLeaf(digest, atMs, victimAccountId);
    const receipt: SearchReceipt = {
      format: SEARCH_RECEIPT_FORMAT,
      record,
      digest,
      leaf: receiptLeaf,
      merkle: { root: receiptLeaf, proof: [] },
      anchor: await anchorOf(receiptLeaf),
    };
    return { contract, anchorer: forger.address.toLowerCase(), bundle, receipt };
  } finally {
    forger.provider.destroy();
  }
}
