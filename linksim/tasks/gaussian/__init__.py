"""The Gaussian task: an i.i.d. real Gaussian source, MSE in dB, uncoded against OPTA.

It checks the channels and the task seams against theory (Goblick 1965: uncoded
transmission with a linear MMSE receiver meets the rate-distortion bound at one real
channel dimension per source sample, CBR 1/2, on AWGN).
"""
