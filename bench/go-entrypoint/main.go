// The peer a Go team would write as an ECS entrypoint, for bench/resolve.sh: the AWS SDK for Go
// (v1, Debian's golang-github-aws-aws-sdk-go-dev), one session, every call of the wave
// concurrent in its own goroutine, then syscall.Exec.
//
// usage: go-entrypoint TASK_DEFINITION COMMAND [ARG]...
//
// Reads the container's `secrets` from the task definition (the container named `web`, else
// the first one with secrets), fetches every distinct secret with GetSecretValue (the SDK
// version Debian ships, 1.44, predates BatchGetSecretValue) and the parameters with
// GetParameters in chunks of 10 with decryption, all at once; picks JSON keys out of
// `...:KEY::` references, puts the values in the environment and execs COMMAND. The SDK reads
// AWS_CA_BUNDLE, AWS_REGION and the static keys from the environment itself; this SDK version
// ignores AWS_ENDPOINT_URL, so it is passed on explicitly, as the boto3 peer does. No value is
// ever printed.
//
// Build (bench/run does it, into build/): GOPATH=/usr/share/gocode GO111MODULE=off \
// CGO_ENABLED=0 go build -trimpath -o build/go-entrypoint bench/go-entrypoint/main.go
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"

	"github.com/aws/aws-sdk-go/aws"
	"github.com/aws/aws-sdk-go/aws/session"
	"github.com/aws/aws-sdk-go/service/secretsmanager"
	"github.com/aws/aws-sdk-go/service/ssm"
)

const (
	smPrefix  = "arn:aws:secretsmanager:"
	ssmPrefix = "arn:aws:ssm:"
	ssmChunk  = 10
)

type secretRef struct {
	id, key, stage, version string
}

// The fetch a secret reference needs: the same secret, stage and version are fetched once.
type secretFetch struct {
	id, stage, version string
}

type taskDefinition struct {
	TaskDefinition *taskDefinition `json:"taskDefinition"`
	Containers     []struct {
		Name    string `json:"name"`
		Secrets []struct {
			Name      string `json:"name"`
			ValueFrom string `json:"valueFrom"`
		} `json:"secrets"`
	} `json:"containerDefinitions"`
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "go-entrypoint: "+format+"\n", args...)
	os.Exit(1)
}

// containerSecrets returns name -> valueFrom of the chosen container, in task-definition order.
func containerSecrets(path string) ([]string, map[string]string) {
	raw, err := os.ReadFile(path)
	if err != nil {
		fail("%v", err)
	}
	var td taskDefinition
	if err := json.Unmarshal(raw, &td); err != nil {
		fail("%s: %v", path, err)
	}
	if td.TaskDefinition != nil { // describe-task-definition output wraps it
		td = *td.TaskDefinition
	}
	chosen := -1
	for i, c := range td.Containers {
		if c.Name == "web" {
			chosen = i
			break
		}
		if chosen < 0 && len(c.Secrets) > 0 {
			chosen = i
		}
	}
	if chosen < 0 {
		fail("%s: no container with secrets", path)
	}
	var names []string
	refs := map[string]string{}
	for _, s := range td.Containers[chosen].Secrets {
		names = append(names, s.Name)
		refs[s.Name] = s.ValueFrom
	}
	return names, refs
}

// parseSecretRef splits 'arn:...:secret:NAME[:JSON_KEY[:STAGE[:VERSION_ID]]]'.
func parseSecretRef(valueFrom string) secretRef {
	parts := strings.Split(valueFrom, ":")
	rest := append(parts[7:], "", "", "")
	return secretRef{id: strings.Join(parts[:7], ":"), key: rest[0], stage: rest[1],
		version: rest[2]}
}

// parameterName turns an SSM parameter ARN into the name GetParameters returns.
func parameterName(valueFrom string) string {
	if !strings.HasPrefix(valueFrom, ssmPrefix) {
		return valueFrom
	}
	rest := strings.TrimPrefix(strings.SplitN(valueFrom, ":parameter", 2)[1], "/")
	if strings.Contains(rest, "/") {
		return "/" + rest
	}
	return rest
}

type results struct {
	mu      sync.Mutex
	secrets map[secretFetch]string
	params  map[string]string
	errs    []error
}

func (r *results) fail(err error) {
	r.mu.Lock()
	r.errs = append(r.errs, err)
	r.mu.Unlock()
}

func fetchSecret(sm *secretsmanager.SecretsManager, f secretFetch, r *results,
	wg *sync.WaitGroup) {
	defer wg.Done()
	in := &secretsmanager.GetSecretValueInput{SecretId: aws.String(f.id)}
	if f.stage != "" {
		in.VersionStage = aws.String(f.stage)
	}
	if f.version != "" {
		in.VersionId = aws.String(f.version)
	}
	out, err := sm.GetSecretValue(in)
	if err != nil {
		r.fail(fmt.Errorf("secret %s: %w", f.id, err))
		return
	}
	r.mu.Lock()
	r.secrets[f] = aws.StringValue(out.SecretString)
	r.mu.Unlock()
}

func fetchParameters(client *ssm.SSM, names []string, r *results, wg *sync.WaitGroup) {
	defer wg.Done()
	out, err := client.GetParameters(&ssm.GetParametersInput{Names: aws.StringSlice(names),
		WithDecryption: aws.Bool(true)})
	if err != nil {
		r.fail(fmt.Errorf("parameters: %w", err))
		return
	}
	if len(out.InvalidParameters) > 0 {
		r.fail(fmt.Errorf("parameters not found: %s",
			strings.Join(aws.StringValueSlice(out.InvalidParameters), ", ")))
		return
	}
	r.mu.Lock()
	for _, p := range out.Parameters {
		r.params[aws.StringValue(p.Name)] = aws.StringValue(p.Value)
	}
	r.mu.Unlock()
}

// fetchAll runs every GetSecretValue and every GetParameters chunk at once on one session.
func fetchAll(secrets map[string]secretRef, params map[string]string) *results {
	sess := session.Must(session.NewSession())
	cfg := &aws.Config{}
	if ep := os.Getenv("AWS_ENDPOINT_URL"); ep != "" {
		cfg.Endpoint = aws.String(ep)
	}
	sm, ps := secretsmanager.New(sess, cfg), ssm.New(sess, cfg)
	r := &results{secrets: map[secretFetch]string{}, params: map[string]string{}}
	var wg sync.WaitGroup
	seen := map[secretFetch]bool{}
	for _, ref := range secrets {
		f := secretFetch{ref.id, ref.stage, ref.version}
		if !seen[f] {
			seen[f] = true
			wg.Add(1)
			go fetchSecret(sm, f, r, &wg)
		}
	}
	var names []string
	dup := map[string]bool{}
	for _, n := range params {
		if !dup[n] {
			dup[n] = true
			names = append(names, n)
		}
	}
	for i := 0; i < len(names); i += ssmChunk {
		end := i + ssmChunk
		if end > len(names) {
			end = len(names)
		}
		wg.Add(1)
		go fetchParameters(ps, names[i:end], r, &wg)
	}
	wg.Wait()
	return r
}

// jsonKey picks one key of a JSON secret: a string as is, anything else as its JSON text.
func jsonKey(text, key string) (string, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(text), &doc); err != nil {
		return "", err
	}
	raw, ok := doc[key]
	if !ok {
		return "", fmt.Errorf("no key %s", key)
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, nil
	}
	return string(raw), nil
}

func main() {
	if len(os.Args) < 3 {
		fail("usage: go-entrypoint TASK_DEFINITION COMMAND [ARG]...")
	}
	names, refs := containerSecrets(os.Args[1])
	secrets, params := map[string]secretRef{}, map[string]string{}
	for _, name := range names {
		if v := refs[name]; strings.HasPrefix(v, smPrefix) {
			secrets[name] = parseSecretRef(v)
		} else {
			params[name] = parameterName(v)
		}
	}
	r := fetchAll(secrets, params)
	if len(r.errs) > 0 {
		fail("%v", r.errs[0])
	}
	for name, ref := range secrets {
		value := r.secrets[secretFetch{ref.id, ref.stage, ref.version}]
		if ref.key != "" {
			v, err := jsonKey(value, ref.key)
			if err != nil {
				fail("%s: %v", name, err)
			}
			value = v
		}
		os.Setenv(name, value)
	}
	for name, p := range params {
		os.Setenv(name, r.params[p])
	}
	path, err := exec.LookPath(os.Args[2])
	if err != nil {
		fail("%v", err)
	}
	err = syscall.Exec(path, os.Args[2:], os.Environ())
	fail("exec %s: %v", path, err)
}
