// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// Minimal content registry used by vcq's tests: one entry per content hash, first
/// registrant wins, so a verifier can trust `creator` as the original publisher.
contract ContentRegistry {
    struct Entry {
        address creator;
        uint64 timestamp;
        string manifestURI;
    }

    mapping(bytes32 => Entry) public entries;

    event ContentRegistered(bytes32 indexed contentHash, address indexed creator, string manifestURI, uint64 timestamp);

    error AlreadyRegistered(bytes32 contentHash, address creator);

    function register(bytes32 contentHash, string calldata manifestURI) external {
        address existing = entries[contentHash].creator;
        if (existing != address(0)) revert AlreadyRegistered(contentHash, existing);

        uint64 timestamp = uint64(block.timestamp);
        entries[contentHash] = Entry(msg.sender, timestamp, manifestURI);
        emit ContentRegistered(contentHash, msg.sender, manifestURI, timestamp);
    }
}
