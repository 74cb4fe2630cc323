"""Operator tools that work on a running stage, deployed or local, through its outputs file and AWS's APIs."""
