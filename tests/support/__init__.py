"""Test support shared by the tiers: AWS on moto with the call recorder (api and deploy tiers), the moto block."""
