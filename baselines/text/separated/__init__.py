"""The classical separated text chain: source codes + CRC + 5G NR LDPC + QAM (linksim.phy)."""
