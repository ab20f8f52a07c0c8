echo ${(M)zsh} ${=1}
