"""domains/hotel"""
