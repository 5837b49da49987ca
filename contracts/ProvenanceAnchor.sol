// SPDX-License-Identifier: Apache-2.0
// Imprint Contracts (contracts/ProvenanceAnchor.sol)

pragma solidity ^0.8.20;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/**
 * @dev Records that a Merkle root of image registrations existed at a block time.
 *
 * One account, the anchorer, may anchor roots; every root can be anchored once and stays forever.
 * The evidence of a root is its `Anchored` event and `anchoredAt(root)`, the timestamp of the block
 * that anchored it.
 *
 * Leaves follow OpenZeppelin's StandardMerkleTree: `keccak256(bytes.concat(keccak256(abi.encode(values))))`,
 * nodes `Hashes.commutativeKeccak256` (the JS twin is `standardNodeHash` in the OpenZeppelin merkle-tree package, or
 * merkletreejs with keccak256 and `sortPairs: true`).
 */
contract ProvenanceAnchor {
    /**
     * @dev What is stored per root, packed in one storage slot. A zero `timestamp` means "never anchored".
     */
    struct Anchor {
        uint64 timestamp;
        uint64 leafCount;
    }

    /// @dev The account allowed to anchor roots. Immutable: reading it costs no SLOAD (2.1 k gas per anchor);
    /// rotating the key means deploying a new contract, and roots anchored in the old one stay verifiable there.
    address private immutable _anchorer;

    /// @dev The anchor of every root ever anchored.
    mapping(bytes32 root => Anchor anchor) private _anchors;

    /**
     * @dev `root` was anchored with `leafCount` leaves in a block with timestamp `timestamp`.
     */
    event Anchored(bytes32 indexed root, uint64 leafCount, uint64 timestamp);

    /**
     * @dev `account` is not the anchorer.
     */
    error ProvenanceAnchorUnauthorizedAnchorer(address account);

    /**
     * @dev `root` was already anchored at `timestamp`.
     */
    error ProvenanceAnchorAlreadyAnchored(bytes32 root, uint64 timestamp);

    /**
     * @dev The zero root cannot be anchored.
     */
    error ProvenanceAnchorInvalidRoot();

    /**
     * @dev A root must cover at least one leaf.
     */
    error ProvenanceAnchorInvalidLeafCount();

    /**
     * @dev The zero address cannot be the anchorer.
     */
    error ProvenanceAnchorInvalidAnchorer(address anchorer);

    /**
     * @dev Sets the account that may anchor roots.
     */
    constructor(address anchorer_) {
        if (anchorer_ == address(0)) revert ProvenanceAnchorInvalidAnchorer(address(0));
        _anchorer = anchorer_;
    }

    /**
     * @dev Anchors `root`, the Merkle root of `leafCount` leaves, at the current block timestamp.
     *
     * Requirements: the caller is the anchorer, `root` is not zero and was never anchored, `leafCount > 0`.
     *
     * Emits an {Anchored} event.
     */
    function anchor(bytes32 root, uint64 leafCount) external {
        if (msg.sender != _anchorer) revert ProvenanceAnchorUnauthorizedAnchorer(msg.sender);
        if (root == bytes32(0)) revert ProvenanceAnchorInvalidRoot();
        if (leafCount == 0) revert ProvenanceAnchorInvalidLeafCount();
        uint64 existing = _anchors[root].timestamp;
        if (existing != 0) revert ProvenanceAnchorAlreadyAnchored(root, existing);

        uint64 timestamp = uint64(block.timestamp);
        _anchors[root] = Anchor({timestamp: timestamp, leafCount: leafCount});
        emit Anchored(root, leafCount, timestamp);
    }

    /**
     * @dev The account allowed to anchor roots.
     */
    function anchorer() external view returns (address) {
        return _anchorer;
    }

    /**
     * @dev The block timestamp at which `root` was anchored, or 0 if it never was.
     */
    function anchoredAt(bytes32 root) public view returns (uint64) {
        return _anchors[root].timestamp;
    }

    /**
     * @dev The number of leaves `root` was anchored with, or 0 if it never was.
     */
    function leafCountOf(bytes32 root) external view returns (uint64) {
        return _anchors[root].leafCount;
    }

    /**
     * @dev True when `root` is anchored and `proof` proves `leaf` in it (OpenZeppelin's sorted-pair proofs).
     */
    function verify(bytes32 root, bytes32[] calldata proof, bytes32 leaf) external view returns (bool) {
        return anchoredAt(root) != 0 && MerkleProof.verifyCalldata(proof, root, leaf);
    }
}
