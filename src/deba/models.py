"""The six architectures of the DEBA paper, built from torchvision and adapted to 32x32 inputs, and their SGD.

CIFAR practice: ResNet and DenseNet get a 3x3 stride-1 stem without max-pooling; EfficientNet-B0 and
MobileNet-V3 (large) get a stride-1 stem, so their 16x downsampling leaves a 2x2 map instead of 1x1.
ViT-B/16 keeps the B size (12 layers, 12 heads, width 768) and uses 4x4 patches at 32 px, an 8x8 grid of 64
tokens (16 px patches would leave a 2x2 grid); `vit_input="resize224"` instead upsamples to 224 px and uses
the original 16 px patches (196 tokens), as in the paper's name.

Two scales: `paper` is the full-size network; `cpu` reduces width (and, for DenseNet and ViT, depth) so an
epoch of `digits` takes seconds on 2 cores. docs/training.md (Models) lists parameters and FLOPs per image of both.
"""

from __future__ import annotations

from functools import partial

import torch
from torch import nn
from torchvision import models as tvm
from torchvision.models.efficientnet import EfficientNet, MBConvConfig
from torchvision.models.resnet import BasicBlock, Bottleneck, ResNet

from .config import DEFAULT_LR


# Width multipliers (and depth settings) of the `cpu` scale.
CPU_WIDTH = {"resnet18": 0.25, "resnet50": 0.125, "efficientnet_b0": 0.5, "mobilenet_v3": 0.5}


def default_lr(arch: str) -> float:
    """The initial learning rate of `arch` where a run names none (the workflow schema's, deba.config)."""
    return DEFAULT_LR[arch]


def build_optimizer(model: nn.Module, lr: float, momentum: float = 0.9, weight_decay: float = 5e-4) -> torch.optim.SGD:
    """The paper's SGD, updating every parameter in one fused kernel.

    The same arithmetic as the default per-tensor loop, in half the time on CPU (0.41 ms against 0.89 ms per
    step for the cpu-scale ResNet-18's 62 tensors, measured here) and in one launch instead of several on GPU.
    The fused kernel walks a parameter, its gradient and its momentum as flat memory, so they must share
    strides: autograd gives each fresh gradient its parameter's layout (channels_last included), which is why
    the monitor clears gradients to None instead of keeping them as views into one buffer.
    """
    return torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay, fused=True)


def load_optimizer_state(optimizer: torch.optim.Optimizer, state_dict: dict) -> None:
    """`optimizer.load_state_dict`, then every state tensor given its parameter's strides.

    A checkpoint keeps the layout its momentum had when saved: channels_last from a GPU run, resumed on a
    CPU whose parameters are contiguous, would otherwise reach the fused kernel with mismatched strides, which
    it does not check (on this CPU it silently applied the wrong elements' momentum).
    """
    optimizer.load_state_dict(state_dict)
    for group in optimizer.param_groups:
        for param in group["params"]:
            state = optimizer.state.get(param, {})
            for key, value in state.items():
                if torch.is_tensor(value) and value.shape == param.shape and value.stride() != param.stride():
                    state[key] = torch.empty_like(param).copy_(value)


def build_model(arch: str, num_classes: int, scale: str = "paper", vit_input: str = "native") -> nn.Module:
    """A freshly initialized network; seed torch's global RNG first for reproducible weights."""
    builders = {"resnet18": _resnet18, "resnet50": _resnet50, "densenet121": _densenet121,
                "efficientnet_b0": _efficientnet_b0, "mobilenet_v3": _mobilenet_v3}
    if arch == "vit_b16":
        return _vit_b16(num_classes, scale, vit_input)
    if arch not in builders:
        raise ValueError(f"unknown architecture {arch!r}; allowed: {', '.join([*builders, 'vit_b16'])}")
    return builders[arch](num_classes, scale)


class _CifarResNet(ResNet):
    """torchvision's ResNet with a 3x3 stride-1 stem, no max-pool, and a width multiplier.

    torchvision hard-codes the stage widths 64..512; this reuses its blocks, `_make_layer` and forward and
    only chooses the widths.
    """

    def __init__(self, block, layers: list[int], num_classes: int, width: float):
        nn.Module.__init__(self)
        widths = [max(8, int(round(c * width))) for c in (64, 128, 256, 512)]
        self._norm_layer = nn.BatchNorm2d
        self.inplanes, self.dilation, self.groups, self.base_width = widths[0], 1, 1, 64
        self.conv1 = nn.Conv2d(3, widths[0], kernel_size=3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.Identity()
        self.layer1 = self._make_layer(block, widths[0], layers[0])
        self.layer2 = self._make_layer(block, widths[1], layers[1], stride=2)
        self.layer3 = self._make_layer(block, widths[2], layers[2], stride=2)
        self.layer4 = self._make_layer(block, widths[3], layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(widths[3] * block.expansion, num_classes)
        for module in self.modules():  # torchvision's initialization
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(module, nn.BatchNorm2d):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)


def _resnet18(num_classes: int, scale: str) -> nn.Module:
    return _CifarResNet(BasicBlock, [2, 2, 2, 2], num_classes, 1.0 if scale == "paper" else CPU_WIDTH["resnet18"])


def _resnet50(num_classes: int, scale: str) -> nn.Module:
    return _CifarResNet(Bottleneck, [3, 4, 6, 3], num_classes, 1.0 if scale == "paper" else CPU_WIDTH["resnet50"])


def _densenet121(num_classes: int, scale: str) -> nn.Module:
    if scale == "paper":
        model = tvm.DenseNet(growth_rate=32, block_config=(6, 12, 24, 16), num_init_features=64,
                             num_classes=num_classes)
        stem = 64
    else:  # growth 8 and half the layers per block: the DenseNet connectivity pattern at CPU cost
        model = tvm.DenseNet(growth_rate=8, block_config=(3, 6, 12, 8), num_init_features=16,
                             num_classes=num_classes)
        stem = 16
    model.features.conv0 = nn.Conv2d(3, stem, kernel_size=3, stride=1, padding=1, bias=False)
    model.features.pool0 = nn.Identity()
    return model


def _efficientnet_b0(num_classes: int, scale: str) -> nn.Module:
    width = 1.0 if scale == "paper" else CPU_WIDTH["efficientnet_b0"]
    config = partial(MBConvConfig, width_mult=width, depth_mult=1.0)
    # torchvision's B0 stages: (expand, kernel, stride, in, out, layers)
    setting = [config(1, 3, 1, 32, 16, 1), config(6, 3, 2, 16, 24, 2), config(6, 5, 2, 24, 40, 2),
               config(6, 3, 2, 40, 80, 3), config(6, 5, 1, 80, 112, 3), config(6, 5, 2, 112, 192, 4),
               config(6, 3, 1, 192, 320, 1)]
    model = EfficientNet(setting, dropout=0.2, stochastic_depth_prob=0.2, num_classes=num_classes)
    model.features[0][0].stride = (1, 1)
    return model


def _mobilenet_v3(num_classes: int, scale: str) -> nn.Module:
    width = 1.0 if scale == "paper" else CPU_WIDTH["mobilenet_v3"]
    # torchvision's BatchNorm momentum 0.01 suits long ImageNet schedules; over a few hundred CIFAR steps
    # the running statistics would barely move from their initial values and evaluation would be at chance
    norm_layer = partial(nn.BatchNorm2d, eps=0.001, momentum=0.1)
    model = tvm.mobilenet_v3_large(num_classes=num_classes, width_mult=width, norm_layer=norm_layer)
    model.features[0][0].stride = (1, 1)
    return model


class _ResizeThen(nn.Sequential):
    """Upsample 32 px CIFAR images to the ViT's native 224 px before the patch embedding."""

    def __init__(self, size: int, model: nn.Module):
        super().__init__(nn.Upsample(size=(size, size), mode="bilinear", align_corners=False), model)


def _vit_b16(num_classes: int, scale: str, vit_input: str) -> nn.Module:
    if vit_input == "resize224":
        image_size, patch = 224, 16
    else:
        image_size, patch = 32, 4
    if scale == "paper":
        layers, heads, hidden, mlp = 12, 12, 768, 3072
    else:  # a third of ViT-B's depth at a sixth of its width
        layers, heads, hidden, mlp = 4, 4, 128, 256
    model = tvm.VisionTransformer(image_size=image_size, patch_size=patch, num_layers=layers, num_heads=heads,
                                  hidden_dim=hidden, mlp_dim=mlp, num_classes=num_classes)
    return _ResizeThen(image_size, model) if vit_input == "resize224" else model


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def flops_per_image(model: nn.Module, image_size: int = 32) -> int:
    """Forward FLOPs of one image, counted by torch's FlopCounterMode (a multiply-add counts as two)."""
    from torch.utils.flop_counter import FlopCounterMode

    was_training = model.training
    model.eval()
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model(torch.zeros(1, 3, image_size, image_size, device=next(model.parameters()).device))
    model.train(was_training)
    return counter.get_total_flops()
