#!/usr/bin/env python3
"""Full runs and the benchmark on the GPU machine that the `device` tool lends some sessions (an H200 with torch but not
fastai, no package registry, at most 64 MiB of the tree a call, warm for 30 s after one).

Here, once:   python tools/gpu_kit.py pack
  .gpu/ (git-ignored): wheels of this project and of what it imports that the machine lacks, and CIFAR-10 in 3 parts.
Just before, `python tools/gpu_kit.py sizes` checks that each call still fits with the tree as it is now. There, three
`run` calls, each as soon as the last returns (what they carry waits in /tmp only while the machine stays warm):
  carry [".gpu/part1", ".gpu/whl"] command: python3 tools/gpu_kit.py stash
  carry [".gpu/part2"]             command: python3 tools/gpu_kit.py stash
  carry [".gpu/part3"]             command: python3 tools/gpu_kit.py go --stop-after 420 --run "recipeG-seed0: --seed 0" --run ...
The first call installs the wheels and imports the project, so a wheel that does not fit fails before the data is sent.
`go` unpacks the data (its md5s are checked as every run checks them), runs `cifar10-bench`, then each run in turn with
`cifar10-evaluate --tta` after it, starting none after --stop-after seconds, and leaves in $OUT: log.txt, bench.json and
runs.tar.gz (each finished run's folder without its weights, replaced whole after every run, so a call stopped at its
limit still returns the runs that finished). Unpack runs.tar.gz into a folder and list its runs in CIFAR10_RESULTS_RUNS
(see the results page)."""
import argparse, hashlib, importlib.metadata as md, io, os, shlex, shutil, subprocess, sys, tarfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KIT, PARTS, TMP = ROOT/'.gpu', 3, Path('/tmp/gpu_kit')
MIB = 2**20
# The distributions on the machine's image (the device library's KINDS.md, read 2026-11-17): what is not here travels.
ON_DEVICE = set("""absl-py accelerate aiofiles aiohappyeyeballs aiohttp aiosignal annotated-doc anyio attrs botorch build certifi
charset-normalizer chex click cloudpickle cmake colorama contourpy coverage cuda-bindings cuda-core cuda-pathfinder cuda-toolkit
cupy-cuda13x cycler cython diffrax e3nn einops equinox etils execnet filelock flatbuffers flax fonttools formulaic frozenlist fsspec
gpytorch grpcio h11 h5py hf-xet httpcore httpx huggingface-hub humanize hypothesis idna imageio iniconfig interface-meta jax jax-cuda13-pjrt
jax-cuda13-plugin jaxlib jaxtyping jinja2 joblib kiwisolver lazy-loader lightning lightning-utilities linear-operator lineax llvmlite
lxml markdown markdown-it-py markupsafe matplotlib mdurl meson ml-dtypes mpi4py mpmath msgpack multidict multipledispatch
mypy-extensions nanobind narwhals networkx ninja numba numba-cuda numpy numpyro nvidia-cublas nvidia-cuda-cupti nvidia-cuda-nvrtc
nvidia-cuda-runtime nvidia-cudnn-cu13 nvidia-cufft nvidia-cufile nvidia-curand nvidia-cusolver nvidia-cusparse nvidia-cusparselt-cu13
nvidia-ml-py nvidia-nccl-cu13 nvidia-nvjitlink nvidia-nvshmem-cu13 nvidia-nvtx onnx onnx-ir onnxruntime onnxscript
opencv-python-headless optax opt-einsum opt-einsum-fx optimistix orbax-checkpoint packaging pandas pathspec patsy peft pillow pip
pluggy portalocker prometheus-client propcache protobuf psutil pyarrow pybind11 py-cpuinfo pygments pyparsing pyproject-hooks
pyre-extensions pytest pytest-benchmark pytest-cov pytest-mock pytest-timeout pytest-xdist python-dateutil pytorch-lightning pyyaml
regex requests rich sacrebleu safetensors scikit-build-core scikit-image scikit-learn scipy seaborn sentencepiece sentence-transformers
setuptools shellingham simplejson six sortedcontainers statsmodels sympy tabulate tensorboard tensorboard-data-server tensorstore
threadpoolctl tifffile tiktoken timm tokenizers toolz torch torchaudio torchdiffeq torch-geometric torchmetrics torchvision tqdm
transformers treescope triton typer typing-extensions typing-inspect urllib3 uvloop wadler-lindig werkzeug wheel wrapt xarray xxhash
yarl zipp""".split())
# nvidia-h200's python3 is CPython 3.12 on x86-64 Linux (the device library's README: how to fetch wheels for it)
PLATFORM = ['--implementation', 'cp', '--only-binary=:all:', *[a for p in
            ('manylinux_2_34_x86_64', 'manylinux_2_31_x86_64', 'manylinux_2_28_x86_64', 'manylinux_2_27_x86_64', 'manylinux_2_24_x86_64', 'manylinux_2_17_x86_64', 'manylinux2014_x86_64', 'manylinux1_x86_64') for a in ('--platform', p)]]

def imported_dists():
    "The distributions (name, version) whose modules importing this project's commands loads, in a fresh interpreter"
    code = "import sys, cifar10_fastai.cli, cifar10_fastai.bench, cifar10_fastai.interpret; print(' '.join({m.split('.')[0] for m in sys.modules}))"
    mods = subprocess.run([sys.executable, '-c', code], check=True, capture_output=True, text=True).stdout.split()
    from packaging.utils import canonicalize_name as _norm   # PEP 503 names, as KINDS.md lists them
    owners = md.packages_distributions()
    return sorted({(_norm(d), md.version(d)) for m in mods for d in owners.get(m, []) if _norm(d)!='cifar10-fastai'})

def pack(data, python='3.12'):
    "Fill .gpu/: the wheels the machine lacks, this project's own, and the data in parts that fit a call each"
    shutil.rmtree(KIT, ignore_errors=True); (KIT/'whl').mkdir(parents=True)
    need = [f'{d}=={v}' for d,v in imported_dists() if d not in ON_DEVICE]
    print('gpu_kit: wheels for', ' '.join(need))
    subprocess.run([sys.executable, '-m', 'pip', 'download', '-q', '--no-deps', '--python-version', python, *PLATFORM, '-d', KIT/'whl', *need], check=True)
    subprocess.run([sys.executable, '-m', 'pip', 'wheel', '-q', '--no-deps', '-w', KIT/'whl', ROOT], check=True)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w:gz') as t: t.add(data, arcname='cifar-10-batches-py')
    blob = buf.getvalue(); each = -(-(len(blob)+_size(KIT/'whl'))//PARTS)   # the wheels go with the first part: calls of one size
    ends = [0, each-_size(KIT/'whl'), *(each-_size(KIT/'whl')+each*i for i in range(1, PARTS-1)), len(blob)]
    for i in range(PARTS): (KIT/f'part{i+1}').mkdir(); (KIT/f'part{i+1}'/f'cifar10.tgz.{i}').write_bytes(blob[ends[i]:ends[i+1]])
    (KIT/f'part{PARTS}'/'cifar10.sha256').write_text(hashlib.sha256(blob).hexdigest())
    sizes()

def _size(p): return sum(f.stat().st_size for f in Path(p).rglob('*') if f.is_file())

def sizes():
    "What each call carries with the tree as it is now; exits non-zero when one is over 63 MiB (the limit is 64)"
    tree = sum(Path(ROOT, f).stat().st_size for f in subprocess.run(['git', 'ls-files', '--cached', '--others', '--exclude-standard'],
               cwd=ROOT, check=True, capture_output=True, text=True).stdout.splitlines() if Path(ROOT, f).is_file())
    calls = [_size(KIT/f'part{i+1}') + (_size(KIT/'whl') if i==0 else 0) + tree for i in range(PARTS)]
    for i,c in enumerate(calls): print(f"gpu_kit: call {i+1} carries {c/MIB:.1f} MiB with the tree (at most 64)")
    if max(calls) > 63*MIB: sys.exit("gpu_kit: a call would carry over 63 MiB: raise PARTS in tools/gpu_kit.py and pack again")

SITE = TMP/'site'
def _env(): return dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(SITE), os.environ.get('PYTHONPATH')])), PATH=f"{SITE/'bin'}:{os.environ['PATH']}",
                        CIFAR10_DATA=str(TMP/'cifar10'), MPLBACKEND='Agg', PYTHONUNBUFFERED='1', GRADIO_ANALYTICS_ENABLED='False')

def stash():
    "Move the parts this call carried to /tmp, where they wait for the next calls; install the wheels, if carried, and import the project"
    (TMP/'parts').mkdir(parents=True, exist_ok=True)
    for f in KIT.glob('part*/*'): shutil.move(f, TMP/'parts'/f.name)
    print('gpu_kit: parts waiting:', sorted(f.name for f in (TMP/'parts').iterdir()))
    whl = sorted(KIT.glob('whl/*.whl'))
    if whl and not (SITE/'installed').exists():
        subprocess.run([sys.executable, '-m', 'pip', 'install', '-q', '--no-index', '--no-deps', '--no-compile', '--no-cache-dir', '--upgrade',
                        '--target', SITE, *whl], check=True)
        subprocess.run([sys.executable, '-c', "import torch, fastai, cifar10_fastai.cli, cifar10_fastai.bench; print('gpu_kit: torch', torch.__version__, "
                        "'fastai', fastai.__version__, 'cuda', torch.cuda.is_available())"], check=True, env=_env())
        (SITE/'installed').write_text('\n'.join(f.name for f in whl))

def _sh(cmd, log, env):
    "Run `cmd`, its output into `log` and onto the terminal; its exit status"
    print(f"$ {shlex.join(map(str, cmd))}", file=log, flush=True)
    p = subprocess.Popen(list(map(str, cmd)), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    for line in p.stdout: log.write(line); log.flush(); sys.stdout.write(line)
    return p.wait()

def go(runs, bench, device, out, stop_after=None):
    stash()
    parts = sorted((TMP/'parts').glob('cifar10.tgz.*'), key=lambda f: int(f.suffix[1:]))
    data = TMP/'cifar10'/'cifar-10-batches-py'
    if not (SITE/'installed').exists(): sys.exit("gpu_kit: the wheels are not installed: the first call carries .gpu/whl (the machine went back between the calls? send them again)")
    if not data.exists():
        blob = b''.join(f.read_bytes() for f in parts)
        if len(parts)!=PARTS or hashlib.sha256(blob).hexdigest()!=(TMP/'parts'/'cifar10.sha256').read_text().strip():
            sys.exit(f"gpu_kit: {len(parts)} of {PARTS} data parts here, or they do not add up: the machine went back between the calls? send them again")
        with tarfile.open(fileobj=io.BytesIO(blob)) as t: t.extractall(data.parent, filter='data')
    env,t_go = _env(),time.time()
    out.mkdir(parents=True, exist_ok=True); done,failed = [],[]
    with open(out/'log.txt', 'a') as log:
        if shutil.which('nvidia-smi'): _sh(['nvidia-smi', '-L'], log, env)
        _sh([sys.executable, '-c', "import torch, fastai; print('torch', torch.__version__, 'fastai', fastai.__version__)"], log, env)
        if bench: _sh(['cifar10-bench', '--device', device, '--no-baseline', '--no-progress', '--out', out/'bench.json'], log, env)
        for spec in runs:
            if stop_after is not None and time.time()-t_go > stop_after: print(f"gpu_kit: {spec.split(':')[0]} not started: past --stop-after", file=log, flush=True); continue
            name,_,args = spec.partition(':'); folder = TMP/'runs'/name.strip(); t0 = time.time()
            ok = _sh(['cifar10-train', *shlex.split(args), '--device', device, '--out', folder, '--overwrite', '--no-progress'], log, env)==0 \
                 and _sh(['cifar10-evaluate', folder, '--tta', '--device', device, '--no-progress'], log, env)==0
            if ok and (out/'bench.json').exists(): shutil.copy(out/'bench.json', folder)   # the host's benchmark goes with the run (the results page shows it)
            (done if ok else failed).append(folder); print(f"gpu_kit: {folder.name} {'finished' if ok else 'FAILED'} in {time.time()-t0:.0f} s", file=log, flush=True)
            with tarfile.open(out/'runs.tar.gz.part', 'w:gz') as t:  # the finished runs so far, without their weights
                for f in done: t.add(f, arcname=f.name, filter=lambda i: None if '/models' in i.name else i)
            os.replace(out/'runs.tar.gz.part', out/'runs.tar.gz')   # whole or not at all, should the call be stopped meanwhile
    if failed: sys.exit(f"gpu_kit: failed: {', '.join(f.name for f in failed)} (log.txt)")

if __name__=='__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    sub = p.add_subparsers(dest='cmd', required=True)
    a = sub.add_parser('pack', help='here: fill .gpu/'); a.add_argument('--data', default=os.environ.get('CIFAR10_DATA'), help='CIFAR-10 folder ($CIFAR10_DATA)')
    a.add_argument('--python', default='3.12', help="the machine's Python version (another only to try the kit here)")
    sub.add_parser('sizes', help='here: what each call carries with the tree as it is now')
    sub.add_parser('stash', help='there: keep the part this call carried, and install the wheels if it carried them')
    a = sub.add_parser('go', help='there: install, unpack, benchmark, train')
    a.add_argument('--run', action='append', default=[], metavar='"NAME: FLAGS"', help='a run: its folder name and cifar10-train flags (again for more)')
    a.add_argument('--no-bench', action='store_true', help='skip cifar10-bench'); a.add_argument('--device', default='cuda')
    a.add_argument('--stop-after', type=float, help='start no run after this many seconds (leave time for the one going)')
    a.add_argument('--out', type=Path, default=os.environ.get('OUT'), help='where the results go ($OUT)')
    o = p.parse_args()
    if o.cmd=='pack':
        d = Path(o.data or '')
        d = d/'cifar-10-batches-py' if (d/'cifar-10-batches-py').is_dir() else d
        if not (d/'data_batch_1').exists(): sys.exit(f"gpu_kit: no CIFAR-10 batches in {o.data!r}: give --data or set CIFAR10_DATA")
        pack(d, o.python)
    elif o.cmd=='stash': stash()
    elif o.cmd=='sizes': sizes()
    else:
        if o.out is None: sys.exit("gpu_kit: give --out or run it where $OUT is set")
        go(o.run, not o.no_bench, o.device, o.out, o.stop_after)
